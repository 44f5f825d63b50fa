/**
 * Pictures pasted into the compose body (issue 11): a screenshot of a
 * student list is an <img> in the body, not an attachment chip. Gmail shows
 * an uploaded inline picture from a URL on its own origin, and a picture
 * being pasted as a blob: or data: URL; all three are read here, under the
 * same size cap and timeout as the chips, and sent as attachments named
 * "pasted image 1.png", ... The service sets logos and icons aside in about
 * a millisecond, so every picture goes.
 *
 * Pictures from other origins are skipped on purpose: they are remote
 * images (a signature logo on the school's web site, a newsletter banner),
 * not something the sender pasted from their screen; fetching them would
 * send the teacher's browser to a third party while they write (the very
 * "this mail is open" signal tracking pixels look for), and those servers
 * do not allow a cross-origin read anyway.
 */

import { bytesToBase64 } from "./attachments.js";

export const PASTED_NAME = "pasted image";

const EXTENSIONS = {
  "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp",
  "image/tiff": "tif", "image/heic": "heic", "image/heif": "heif", "image/avif": "avif",
};

/** Where a picture comes from: "data", "blob", "same-origin", or null (skipped). */
export function sourceKind(src, origin) {
  const url = String(src || "");
  if (url.startsWith("data:")) return /^data:image\//i.test(url) ? "data" : null;
  if (url.startsWith("blob:")) return "blob";
  try {
    return new URL(url, origin).origin === origin ? "same-origin" : null;
  } catch {
    return null;
  }
}

/** The bytes and type of a data: URL; base64 or percent-encoded. */
export function decodeDataUrl(url) {
  const comma = url.indexOf(",");
  if (comma < 0) return null;
  const meta = url.slice(5, comma);
  const type = (meta.split(";")[0] || "application/octet-stream").toLowerCase();
  const payload = url.slice(comma + 1);
  try {
    const binary = /;base64$/i.test(meta) ? atob(payload.replace(/\s+/g, "")) : decodeURIComponent(payload);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return { type, bytes };
  } catch {
    return null;
  }
}

/** The <img> elements worth reading, each source once (a picture pasted twice is one picture). */
export function findPastedImages(body, origin) {
  if (!body) return [];
  const seen = new Set();
  return [...body.querySelectorAll("img[src]")].filter((img) => {
    const src = img.getAttribute("src");
    if (!sourceKind(src, origin) || seen.has(src)) return false;
    seen.add(src);
    return true;
  });
}

/** "pasted image 3.png", numbered past any name a file chip already uses. */
function namer(taken) {
  let n = 0;
  return (type) => {
    const extension = EXTENSIONS[type] ? `.${EXTENSIONS[type]}` : "";
    let name;
    do { name = `${PASTED_NAME} ${++n}${extension}`; } while (taken.has(name));
    return name;
  };
}

function approximateDataSize(url) {
  const comma = url.indexOf(",");
  return Math.floor(((url.length - comma - 1) * 3) / 4);
}

async function readPicture(img, origin, { fetch, maxBytes, timeoutMs }) {
  const src = img.getAttribute("src");
  const kind = sourceKind(src, origin);
  if (kind === "data") {
    if (approximateDataSize(src) > maxBytes) return { type: null, bytes: null, size: approximateDataSize(src) };
    const decoded = decodeDataUrl(src);
    return decoded ? { ...decoded, size: decoded.bytes.length } : { type: null, bytes: null, size: null };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // Same origin as Gmail (or the page's own blob:): the user's session reads their own draft's picture.
    const response = await fetch(new URL(src, origin).href, {
      credentials: kind === "same-origin" ? "include" : "omit", signal: controller.signal,
    });
    if (!response.ok) return { type: null, bytes: null, size: null };
    const declared = Number(response.headers.get("content-length"));
    if (declared > maxBytes) return { type: null, bytes: null, size: declared };
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxBytes) return { type: null, bytes: null, size: bytes.length };
    const type = (response.headers.get("content-type") || "").split(";")[0].trim().toLowerCase();
    return { type, bytes, size: bytes.length };
  } catch {
    return { type: null, bytes: null, size: null };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the pictures in the body. Returns the request's attachments and,
 * for the Remove fix, which <img> each name stands for. A picture that
 * cannot be read goes by name without content, which the service reports
 * as "could not be checked" rather than letting it through unseen.
 */
export async function readPastedImages(body, { origin, takenNames = [], ...options }) {
  const images = findPastedImages(body, origin);
  const read = await Promise.all(images.map((img) => readPicture(img, origin, options)));
  const nextName = namer(new Set(takenNames));
  const elements = new Map();
  const attachments = read.map((picture, i) => {
    const type = picture.type && picture.type.startsWith("image/") ? picture.type : "image/png";
    const name = nextName(type);
    elements.set(name, images[i]);
    return {
      name, content_type: type, inline: true,
      content_base64: picture.bytes ? bytesToBase64(picture.bytes) : null, size: picture.size,
    };
  });
  return { attachments, elements };
}

/** Takes the picture out of the body, as the sender would with Delete; true when it is gone. */
export function removePastedImage(elements, name) {
  const img = elements && elements.get(name);
  if (!img || !img.isConnected) return false;
  const body = img.closest("[contenteditable]");
  img.remove();
  // Gmail saves the draft on input events from its editor.
  if (body) body.dispatchEvent(new Event("input", { bubbles: true }));
  elements.delete(name);
  return true;
}
