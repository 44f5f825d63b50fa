/**
 * Files attached to a Gmail compose window. InboxSDK's ComposeView has no
 * getter for them, so they are read from Gmail's attachment chips inside
 * composeView.getElement(). Gmail's class names are not an API: the
 * selectors live here alone, and when they find nothing readable a file is
 * sent by name only, which the service reports as "could not be checked"
 * rather than letting it through unseen.
 */

export const SELECTORS = Object.freeze({
  chip: "div.dL",
  name: ".vI",
  size: ".vJ",
  link: "a.dO[href], a[href*='view=att']",
  remove: ".vq, [role='button'][aria-label^='Remove']",
});

const TYPES = {
  csv: "text/csv", txt: "text/plain", pdf: "application/pdf", zip: "application/zip",
  xls: "application/vnd.ms-excel", doc: "application/msword",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ods: "application/vnd.oasis.opendocument.spreadsheet", rtf: "application/rtf",
};

export function contentTypeFor(name) {
  const extension = String(name).toLowerCase().split(".").pop();
  return TYPES[extension] || "application/octet-stream";
}

/** "(12K)", "1.2 MB" -> bytes (approximate; only used when content is not sent). */
export function parseSize(text) {
  const match = /([\d.,]+)\s*([KMG]?)B?/i.exec(String(text || ""));
  if (!match) return null;
  const units = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
  return Math.round(parseFloat(match[1].replace(",", ".")) * units[match[2].toUpperCase()]);
}

export function findChips(root) {
  return root ? [...root.querySelectorAll(SELECTORS.chip)] : [];
}

function chipName(chip) {
  return (chip.querySelector(SELECTORS.name)?.textContent || "").trim();
}

/** The names on the chips, as the request will carry them. */
export function chipNames(root) {
  return findChips(root).map(chipName).filter(Boolean);
}

export function bytesToBase64(bytes) {
  let binary = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) binary += String.fromCharCode(...bytes.subarray(i, i + step));
  return btoa(binary);
}

async function readChip(chip, { fetch, maxBytes, timeoutMs }) {
  const name = chipName(chip);
  const size = parseSize(chip.querySelector(SELECTORS.size)?.textContent);
  const link = chip.querySelector(SELECTORS.link)?.href;
  const unread = { name, content_type: contentTypeFor(name), content_base64: null, size };
  if (!link || (size != null && size > maxBytes)) return unread;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // Same origin as Gmail: the user's own session fetches their own draft's file.
    const response = await fetch(link, { credentials: "include", signal: controller.signal });
    if (!response.ok) return unread;
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxBytes) return { ...unread, size: bytes.length };
    const type = (response.headers.get("content-type") || "").split(";")[0].trim();
    return { name, content_type: type && type !== "application/octet-stream" ? type : unread.content_type,
             content_base64: bytesToBase64(bytes), size: bytes.length };
  } catch {
    return unread;
  } finally {
    clearTimeout(timer);
  }
}

export function readAttachments(root, options) {
  return Promise.all(findChips(root).filter((chip) => chipName(chip)).map((chip) => readChip(chip, options)));
}

/** Click the chip's remove button; true when the file is gone. */
export function removeAttachment(root, name) {
  const chip = findChips(root).find((c) => chipName(c) === name);
  const button = chip?.querySelector(SELECTORS.remove);
  if (!button) return false;
  button.click();
  return !findChips(root).some((c) => chipName(c) === name && c.isConnected);
}
