/** The check request (DESIGN.md contract) for one compose snapshot. */

import { toApiRecipients } from "./recipients.js";

export const CLIENT_APP = "gmail-extension";

/**
 * snapshot: {sender, to, cc, bcc (InboxSDK contacts), subject, text, html,
 * isReply, attachments: [{name, content_type, content_base64|null, size, inline?}]}
 * (inline: a picture pasted into the body, not a file chip)
 */
export function buildCheckRequest(snapshot, version) {
  return {
    sender: snapshot.sender,
    to: toApiRecipients(snapshot.to),
    cc: toApiRecipients(snapshot.cc),
    bcc: toApiRecipients(snapshot.bcc),
    subject: snapshot.subject || "",
    body: { text: snapshot.text || "", html: snapshot.html || null },
    attachments: (snapshot.attachments || []).map((a) => ({
      name: a.name,
      content_type: a.content_type || "application/octet-stream",
      content_base64: a.content_base64 ?? null,
      ...(a.content_base64 == null && a.size != null ? { size: a.size } : {}),
      ...(a.inline ? { inline: true } : {}),
    })),
    client: { app: CLIENT_APP, version: version || "" },
    is_reply: Boolean(snapshot.isReply),
  };
}
