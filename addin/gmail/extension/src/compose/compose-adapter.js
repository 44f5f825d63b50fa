/**
 * One InboxSDK ComposeView, seen as SafeSend needs it: a snapshot to check,
 * recipients to rewrite, attachments and pasted pictures to remove, and send().
 */

import { chipNames, readAttachments, removeAttachment } from "./attachments.js";
import { readPastedImages, removePastedImage } from "./pasted-images.js";

const ATTACHMENT_TIMEOUT_MS = 3000;

export function composeAdapter(view, { fetch, origin = globalThis.location?.origin }) {
  // The <img> behind each "pasted image N" name of the last snapshot, for the Remove fix.
  let pastedElements = new Map();

  function sender() {
    const from = view.getFromContact();
    return from && from.emailAddress;
  }

  return {
    async snapshot({ maxAttachmentBytes }) {
      const limits = { fetch, maxBytes: maxAttachmentBytes, timeoutMs: ATTACHMENT_TIMEOUT_MS };
      const body = typeof view.getBodyElement === "function" ? view.getBodyElement() : null;
      // Files and pictures in parallel: the check has one time budget.
      const [files, pasted] = await Promise.all([
        readAttachments(view.getElement(), limits),
        readPastedImages(body, { ...limits, origin, takenNames: chipNames(view.getElement()) }),
      ]);
      pastedElements = pasted.elements;
      return {
        sender: sender(),
        to: view.getToRecipients(),
        cc: view.getCcRecipients(),
        bcc: view.getBccRecipients(),
        subject: view.getSubject(),
        text: view.getTextContent(),
        html: view.getHTMLContent(),
        isReply: typeof view.isReply === "function" ? view.isReply() : false,
        attachments: [...files, ...pasted.attachments],
      };
    },
    sender,
    recipients() {
      return { to: view.getToRecipients(), cc: view.getCcRecipients(), bcc: view.getBccRecipients() };
    },
    /** Bcc first: if Gmail stops half way, someone may be listed twice, but nobody is dropped. */
    setRecipients({ to, cc, bcc }) {
      view.setBccRecipients(bcc);
      view.setToRecipients(to);
      view.setCcRecipients(cc);
    },
    removeAttachment(name) {
      return removeAttachment(view.getElement(), name) || removePastedImage(pastedElements, name);
    },
    send() {
      view.send();
    },
  };
}
