/**
 * Recipients as InboxSDK gives them ({emailAddress, name}) and as the
 * SafeSend API takes them ({address, name}); the Move-to-Bcc plan shared
 * with the Outlook add-in and the Workspace add-on.
 */

/** 'Pat <Pat@Example.org>' and 'pat@example.org' are one mailbox. */
export function normalizeAddress(value) {
  let text = String(value || "").trim();
  const open = text.lastIndexOf("<");
  if (open >= 0 && text.endsWith(">")) text = text.slice(open + 1, -1);
  return text.trim().toLowerCase();
}

export function toApiRecipients(contacts) {
  return (contacts || [])
    .filter((c) => c && (c.emailAddress || c.name))
    .map((c) => ({ address: String(c.emailAddress || "").trim(), name: String(c.name || "").trim() }));
}

export function recipientCount(fields) {
  return (fields.to || []).length + (fields.cc || []).length + (fields.bcc || []).length;
}

/**
 * Everyone but the sender leaves To and Cc for Bcc (after those already
 * there, once each); the sender stays in To so they keep a copy.
 * Returns address lists for setToRecipients/setCcRecipients/setBccRecipients.
 */
export function planMoveToBcc(fields, sender) {
  const me = normalizeAddress(sender);
  const bcc = (fields.bcc || []).map((c) => c.emailAddress).filter(Boolean);
  const seen = new Set(bcc.map(normalizeAddress));
  let moved = 0;
  for (const contact of [...(fields.to || []), ...(fields.cc || [])]) {
    const key = normalizeAddress(contact.emailAddress);
    if (!key || key === me || seen.has(key)) continue;
    seen.add(key);
    bcc.push(contact.emailAddress);
    moved += 1;
  }
  return { to: me ? [sender] : [], cc: [], bcc, moved };
}
