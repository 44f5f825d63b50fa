import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeDataUrl, readPastedImages, sourceKind } from "../src/compose/pasted-images.js";
import { buildCheckRequest } from "../src/core/request.js";

const GMAIL = "https://mail.google.com";
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const PNG_DATA = `data:image/png;base64,${Buffer.from(PNG).toString("base64")}`;

/** A compose body as far as the reader needs one: its <img src> elements. */
function body(...sources) {
  const images = sources.map((src) => ({ getAttribute: () => src, isConnected: true }));
  return { querySelectorAll: () => images };
}

const answer = (bytes, type) => ({
  ok: true, headers: new Headers({ "content-type": type }), arrayBuffer: async () => bytes.buffer,
});

test("which pictures are read: data:, blob: and Gmail's own origin; never other origins", () => {
  assert.equal(sourceKind(PNG_DATA, GMAIL), "data");
  assert.equal(sourceKind("data:text/html,<b>x</b>", GMAIL), null);
  assert.equal(sourceKind("blob:https://mail.google.com/0f3c", GMAIL), "blob");
  assert.equal(sourceKind("https://mail.google.com/mail/u/0?ui=2&attid=0.1&disp=emb", GMAIL), "same-origin");
  assert.equal(sourceKind("/mail/u/0?attid=0.2", GMAIL), "same-origin");
  assert.equal(sourceKind("https://www.school.example.org/logo.png", GMAIL), null);
  assert.equal(sourceKind("https://mail.google.com.evil.example/x.png", GMAIL), null);
});

test("data: URLs decode, base64 or percent-encoded", () => {
  assert.deepEqual(decodeDataUrl(PNG_DATA), { type: "image/png", bytes: PNG });
  assert.deepEqual(decodeDataUrl("data:image/svg+xml,%3Csvg%2F%3E").bytes, new TextEncoder().encode("<svg/>"));
  assert.equal(decodeDataUrl("data:image/png;base64,@@@"), null);
});

test("pictures become 'pasted image N' attachments; the same picture twice is read once", async () => {
  const fetched = [];
  const fetch = async (url, init) => { fetched.push([url, init.credentials]); return answer(PNG, "image/jpeg"); };
  const { attachments, elements } = await readPastedImages(
    body(PNG_DATA, "/mail/u/0?attid=0.2", PNG_DATA, "https://cdn.example.net/banner.png"),
    { origin: GMAIL, fetch, maxBytes: 1000, timeoutMs: 500, takenNames: ["pasted image 1.png"] });
  assert.deepEqual(attachments.map((a) => [a.name, a.content_type, a.inline]),
    [["pasted image 2.png", "image/png", true], ["pasted image 3.jpg", "image/jpeg", true]]);
  assert.equal(attachments[0].content_base64, Buffer.from(PNG).toString("base64"));
  assert.deepEqual(fetched, [["https://mail.google.com/mail/u/0?attid=0.2", "include"]]);
  assert.deepEqual([...elements.keys()], ["pasted image 2.png", "pasted image 3.jpg"]);
});

test("a picture over the cap or that cannot be fetched goes by name, without content", async () => {
  const big = `data:image/png;base64,${"A".repeat(4000)}`;
  const { attachments } = await readPastedImages(body(big, "blob:https://mail.google.com/1"), {
    origin: GMAIL, fetch: async () => { throw new TypeError("Failed to fetch"); }, maxBytes: 1000, timeoutMs: 500 });
  assert.deepEqual(attachments.map((a) => [a.name, a.content_base64, a.size]),
    [["pasted image 1.png", null, 3000], ["pasted image 2.png", null, null]]);
});

test("the request marks pasted pictures inline", () => {
  const request = buildCheckRequest({ sender: "t@d.org", attachments: [
    { name: "list.csv", content_type: "text/csv", content_base64: "YSxi" },
    { name: "pasted image 1.png", content_type: "image/png", content_base64: "iVBO", inline: true }] });
  assert.equal(request.attachments[0].inline, undefined);
  assert.equal(request.attachments[1].inline, true);
});
