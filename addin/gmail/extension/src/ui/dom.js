/** A small element builder: text always goes in as text, never as HTML. */

export function h(doc, tag, attributes = {}, children = []) {
  const element = doc.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value == null) continue;
    if (key === "onClick") element.addEventListener("click", value);
    else if (key === "text") element.textContent = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) {
    if (child == null || child === false) continue;
    element.append(typeof child === "string" ? doc.createTextNode(child) : child);
  }
  return element;
}

/** A host element with its own shadow root, so Gmail's styles and ours never mix. */
export function shadowHost(doc, id, css) {
  doc.getElementById(id)?.remove();
  const host = doc.createElement("div");
  host.id = id;
  const root = host.attachShadow({ mode: "open" });
  const style = doc.createElement("style");
  style.textContent = css;
  root.append(style);
  doc.body.append(host);
  return { host, root };
}
