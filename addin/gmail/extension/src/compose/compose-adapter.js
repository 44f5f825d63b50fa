/**
 * One InboxSDK ComposeView, seen as SafeSend needs it: a snapshot to check,
 * recipients to rewrite, attachments to remove, and send().
 */

import { readAttachments, removeAttachment } from "./attachments.js";

const ATTACHMENT_TIMEOUT_MS = 3000;

export function composeAdapter(view, { fetch }) {
  function sender() {
    const from = view.getFromContact();
    return from && from.emailAddress;
  }

  return {
    async snapshot({ maxAttachmentBytes }) {
      return {
        sender: sender(),
        to: view.getToRecipients(),
        cc: view.getCcRecipients(),
        bcc: view.getBccRecipients(),
        subject: view.getSubject(),
        text: view.getTextContent(),
        html: view.getHTMLContent(),
        isReply: typeof view.isReply === "function" ? view.isReply() : false,
        attachments: await readAttachments(view.getElement(), {
          fetch, maxBytes: maxAttachmentBytes, timeoutMs: ATTACHMENT_TIMEOUT_MS,
        }),
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
      return removeAttachment(view.getElement(), name);
    },
    send() {
      view.send();
    },
  };
}
