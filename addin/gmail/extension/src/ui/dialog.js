/**
 * The send-time dialog. `show(view)` draws one state; `choice()` resolves
 * with the sender's next decision: close, fix, send-anyway,
 * send-with-reason, send or retry.
 */

import { h, shadowHost } from "./dom.js";
import { DIALOG_CSS } from "./styles.js";

export const DIALOG_ID = "safesend-dialog";
const SHIELD = "M12 1 3 5v6c0 5.55 3.84 10.74 9 12 5.16-1.26 9-6.45 9-12V5l-9-4zm-1 6h2v6h-2V7zm0 8h2v2h-2v-2z";
const CHECK = "M12 1 3 5v6c0 5.55 3.84 10.74 9 12 5.16-1.26 9-6.45 9-12V5l-9-4zm-2 16-4-4 1.41-1.41L10 14.17l6.59-6.59L18 9l-8 8z";

export function openDialog(doc) {
  const { host, root } = shadowHost(doc, DIALOG_ID, DIALOG_CSS);
  let resolveChoice = null;
  let status = null;
  let reasonBox = null;

  function choose(decision) {
    if (resolveChoice) {
      const resolve = resolveChoice;
      resolveChoice = null;
      resolve(decision);
    }
  }

  function icon(kind) {
    const svg = doc.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", `icon ${kind}`);
    svg.setAttribute("aria-hidden", "true");
    const path = doc.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", kind === "ok" ? CHECK : SHIELD);
    svg.append(path);
    return svg;
  }

  function button(label, decision, style) {
    return h(doc, "button", { type: "button", class: style, onClick: () => choose(decision()) }, label);
  }

  function findingsList(findings) {
    return h(doc, "ul", { class: "findings" }, findings.map((f) => h(doc, "li", { class: f.action }, [
      h(doc, "div", { class: "finding-title", text: f.title }),
      h(doc, "div", { class: "finding-detail", text: f.detail }),
      f.evidence.length ? h(doc, "div", { class: "evidence", "aria-label": "Examples" },
        f.evidence.map((e) => h(doc, "span", { text: e }))) : null,
    ])));
  }

  function verdictBody(view) {
    const p = view.presentation;
    const parts = [h(doc, "p", { text: p.summary }), findingsList(p.findings)];
    if (p.fixes.length) {
      parts.push(h(doc, "div", { class: "fixes" },
        p.fixes.map((fix) => button(fix.label, () => ({ type: "fix", fix }), "tonal"))));
    }
    if (p.needsReason) {
      reasonBox = h(doc, "textarea", { id: "safesend-reason", "aria-describedby": "safesend-reason-help" });
      // A complaint about the reason goes away as soon as the sender edits it.
      reasonBox.addEventListener("input", () => { if (status?.classList.contains("error")) setStatus(""); });
      parts.push(h(doc, "label", { class: "reason", for: "safesend-reason",
        text: "Why does this message need to go as it is?" }), reasonBox,
      h(doc, "div", { class: "help", id: "safesend-reason-help",
        text: `At least ${view.reasonMin} characters. District administrators review every reason.` }));
    }
    return parts;
  }

  function actions(view) {
    const back = button("Back to editing", () => ({ type: "close" }));
    if (view.kind === "ready") return [back, button("Send", () => ({ type: "send" }), "filled")];
    if (view.kind === "failed") return [back, button("Try again", () => ({ type: "retry" }), "filled")];
    const p = view.presentation;
    if (p.canSendAnyway) return [back, button("Send anyway", () => ({ type: "send-anyway" }), "filled")];
    if (p.needsReason) {
      return [back, button("Send with this reason", () => ({ type: "send-with-reason",
        reason: reasonBox ? reasonBox.value : "" }), "filled")];
    }
    return [back];
  }

  function show(view) {
    root.querySelector(".scrim")?.remove();
    reasonBox = null;
    const kind = view.kind === "verdict" ? view.presentation.action : view.kind === "ready" ? "ok" : "failed";
    const title = view.kind === "verdict" ? view.presentation.title : view.title;
    const body = view.kind === "verdict" ? verdictBody(view) : [h(doc, "p", { text: view.text })];
    status = h(doc, "div", { class: "status", role: "status", "aria-live": "polite" });
    const dialog = h(doc, "div", { class: "dialog", role: "alertdialog", "aria-modal": "true",
      "aria-labelledby": "safesend-title" }, [
      icon(kind),
      h(doc, "h2", { id: "safesend-title", text: title }),
      h(doc, "div", { class: "brand", text: "SafeSend · student privacy check" }),
      ...body,
      status,
      h(doc, "div", { class: "actions" }, actions(view)),
    ]);
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") choose({ type: "close" });
    });
    root.append(h(doc, "div", { class: "scrim" }, dialog));
    const focus = reasonBox || dialog.querySelector(".actions button:last-child");
    focus?.focus();
  }

  function setStatus(text, isError = false) {
    if (!status) return;
    status.textContent = text || "";
    status.className = isError ? "status error" : "status";
  }

  return {
    show,
    choice() {
      return new Promise((resolve) => { resolveChoice = resolve; });
    },
    setStatus,
    setBusy(busy) {
      for (const b of root.querySelectorAll("button, textarea")) b.disabled = busy;
    },
    close() {
      choose({ type: "close" });
      host.remove();
    },
  };
}
