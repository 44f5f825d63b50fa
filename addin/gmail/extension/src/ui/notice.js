/** A Gmail-style snackbar: a short, visible note that stays for a while. */

import { h, shadowHost } from "./dom.js";
import { NOTICE_CSS } from "./styles.js";

export const NOTICE_ID = "safesend-notice";
const SHOWN_MS = 15000;

export function showNotice(doc, { title, text, action }) {
  const { host, root } = shadowHost(doc, NOTICE_ID, NOTICE_CSS);
  const close = () => host.remove();
  root.append(h(doc, "div", { class: "snackbar", role: "status", "aria-live": "polite" }, [
    h(doc, "div", {}, [h(doc, "strong", { text: title }), text]),
    action ? h(doc, "button", { type: "button", onClick: () => { close(); action.onClick(); } }, action.label) : null,
    h(doc, "button", { type: "button", "aria-label": "Dismiss", onClick: close }, "\u2715"),
  ]));
  setTimeout(close, SHOWN_MS);
  return { close };
}
