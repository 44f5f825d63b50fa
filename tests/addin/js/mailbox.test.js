"use strict";
// Office and network edges of the add-in (addin/outlook/mailbox.js), against
// the simulated Office object the browser tests use too.
const test = require("node:test");
const assert = require("node:assert/strict");
const mailbox = require("../../../addin/outlook/mailbox.js");
const { createFakeOffice } = require("../fake_office.js");

const TEACHER = "teacher@district.example.org";

function people(n, domain) {
  return Array.from({ length: n }, (_, i) => ({ emailAddress: `parent${i}@${domain || "gmail.com"}`, displayName: `P ${i}` }));
}

test("reads every part of the item, the HTML body too", async () => {
  const fake = createFakeOffice({ item: { to: people(2), cc: people(1, "yahoo.com"), subject: "Trip", body: "Hi",
    html: "<p>Hi</p><table><tr><td>x</td></tr></table>",
    attachments: [{ id: "a1", name: "list.csv", size: 4, contentBase64: "YSxi" },
      { id: "a2", name: "image.png", size: 4, isInline: true, contentBase64: "iVBO" }] } });
  const parts = await mailbox.readMessageParts(fake.Office);
  assert.equal(parts.sender, TEACHER);
  assert.equal(parts.to.length, 2);
  assert.equal(parts.cc[0].recipientType, "externalUser");
  assert.equal(parts.subject, "Trip");
  assert.equal(parts.bodyText, "Hi");
  assert.equal(parts.bodyHtml, "<p>Hi</p><table><tr><td>x</td></tr></table>");
  assert.equal(parts.attachmentDetails[0].attachmentType, "file");
  assert.equal(parts.attachmentDetails[1].isInline, true);
  const bodies = fake.state.calls.filter((c) => c.api === "body.getAsync").map((c) => c.coercion);
  assert.deepEqual(bodies.sort(), ["html", "text"]);
});

test("a client that cannot give the HTML body still has the text checked", async () => {
  const fake = createFakeOffice({ item: { body: "Hi" } });
  const body = fake.Office.context.mailbox.item.body;
  const getAsync = body.getAsync;
  body.getAsync = (coercion, callback) => (coercion === "html"
    ? setTimeout(() => callback({ status: "failed", error: { name: "GenericResponseError", message: "no" } }), 0)
    : getAsync(coercion, callback));
  const parts = await mailbox.readMessageParts(fake.Office);
  assert.equal(parts.bodyText, "Hi");
  assert.equal(parts.bodyHtml, null);
});

test("attachment content: base64 for files, none for cloud links", async () => {
  const fake = createFakeOffice({ item: { attachments: [
    { id: "a1", name: "list.csv", size: 4, contentBase64: "YSxi" },
    { id: "a2", name: "doc", size: 4, attachmentType: "cloud" }] } });
  const out = await mailbox.readAttachmentContents(fake.Office.context.mailbox.item, [
    { id: "a1", name: "list.csv", readContent: true }, { id: "a2", name: "doc", readContent: true },
    { id: "a3", name: "gone", readContent: true }]);
  assert.deepEqual(out.map((a) => a.contentBase64), ["YSxi", undefined, undefined]);
});

test("Move everyone to Bcc: 250 recipients in chunks of 100, sender kept in To", async () => {
  const fake = createFakeOffice({ item: { to: [{ emailAddress: TEACHER }].concat(people(200)),
    cc: people(50, "yahoo.com") } });
  const plan = await mailbox.moveEveryoneToBcc(fake.Office);
  assert.equal(plan.ok, true);
  const adds = fake.state.calls.filter((c) => c.api === "bcc.addAsync").map((c) => c.count);
  assert.deepEqual(adds, [100, 100, 50]);
  assert.deepEqual(fake.state.item.to.map((r) => r.emailAddress), [TEACHER]);
  assert.equal(fake.state.item.cc.length, 0);
  assert.equal(fake.state.item.bcc.length, 250);
});

test("Move everyone to Bcc refuses a Bcc over 500 and changes nothing", async () => {
  const fake = createFakeOffice({ item: { to: people(300), cc: people(250, "yahoo.com") } });
  const plan = await mailbox.moveEveryoneToBcc(fake.Office);
  assert.equal(plan.ok, false);
  assert.match(plan.reason, /550/);
  assert.equal(fake.state.item.to.length, 300);
  assert.equal(fake.state.item.bcc.length, 0);
});

test("the fake enforces Outlook's 100-per-call limit", async () => {
  const fake = createFakeOffice({});
  await assert.rejects(mailbox.officeCall((cb) => fake.Office.context.mailbox.item.bcc.addAsync(people(101), cb)),
    /exceeded|Too many/);
});

test("removes an attachment by name", async () => {
  const fake = createFakeOffice({ item: { attachments: [{ id: "a1", name: "list.xlsx", size: 4 },
    { id: "a2", name: "other.pdf", size: 4 }] } });
  assert.equal(await mailbox.removeAttachmentNamed(fake.Office.context.mailbox.item, "list.xlsx"), 1);
  assert.deepEqual(fake.state.item.attachments.map((a) => a.name), ["other.pdf"]);
});

test("removes a pasted picture by the name the request gave it (the second image.png)", async () => {
  const fake = createFakeOffice({ item: { attachments: [
    { id: "p1", name: "image.png", size: 40, isInline: true }, { id: "p2", name: "image.png", size: 900, isInline: true },
    { id: "f1", name: "list.csv", size: 4 }] } });
  const item = fake.Office.context.mailbox.item;
  assert.equal(await mailbox.removeAttachmentNamed(item, "image (2).png"), 1);
  assert.deepEqual(fake.state.item.attachments.map((a) => a.id), ["p1", "f1"]);
  assert.deepEqual(fake.state.calls.filter((c) => c.api === "removeAttachmentAsync").map((c) => c.id), ["p2"]);
  assert.equal(await mailbox.removeAttachmentNamed(item, "image (2).png"), 0);
});

test("session data round trip; a missing key reads as null", async () => {
  const item = createFakeOffice({}).Office.context.mailbox.item;
  assert.equal(await mailbox.readSession(item, "safesend.override"), null);
  assert.equal(await mailbox.writeSession(item, "safesend.override", { fingerprint: "f" }), true);
  assert.deepEqual(await mailbox.readSession(item, "safesend.override"), { fingerprint: "f" });
  assert.equal(await mailbox.writeSession(item, "big", "x".repeat(60000)), false);
});

test("fetchJson gives up at its bound and aborts the request", async () => {
  let signal;
  const hanging = (url, init) => { signal = init.signal; return new Promise(() => {}); };
  const started = Date.now();
  await assert.rejects(mailbox.fetchJson(hanging, "http://x/api", {}, 150), (e) => e.kind === "timeout");
  assert.ok(Date.now() - started < 1000);
  assert.equal(signal.aborted, true);
});

test("fetchJson reports an unreachable service as a network failure", async () => {
  const refused = () => Promise.reject(new TypeError("Failed to fetch"));
  await assert.rejects(mailbox.fetchJson(refused, "http://x/api", {}, 1000), (e) => e.kind === "network");
});

test("requestCheck turns a non-verdict answer into an error with the service's words", async () => {
  const answer = (status, body) => () => Promise.resolve({ status, text: () => Promise.resolve(JSON.stringify(body)) });
  await assert.rejects(mailbox.requestCheck(answer(401, {}), { apiBase: "http://x" }, null, {}, 500),
    /could not sign you in/);
  await assert.rejects(mailbox.requestCheck(answer(400, { error: { message: "sender: bad" } }), { apiBase: "http://x" },
    null, {}, 500), /sender: bad/);
});

test("authorization: Office SSO first, then the development key", async () => {
  const fake = createFakeOffice({});
  assert.equal(await mailbox.acquireAuthorization(fake.Office, { devApiKey: "ss_dev" }), "Bearer ss_dev");
  assert.equal(await mailbox.acquireAuthorization(fake.Office, {}), null);
  // SSO configured but not available (as here): fall back to the key.
  assert.equal(await mailbox.acquireAuthorization(fake.Office, { entraClientId: "c", devApiKey: "ss_dev" }),
    "Bearer ss_dev");
  fake.Office.auth.getAccessToken = (options) => {
    assert.equal(options.allowSignInPrompt, false);
    return Promise.resolve("eyJ.token");
  };
  assert.equal(await mailbox.acquireAuthorization(fake.Office, { entraClientId: "c", devApiKey: "ss_dev" }),
    "Bearer eyJ.token");
});

test("client config falls back to the served defaults", async () => {
  const down = () => Promise.reject(new TypeError("Failed to fetch"));
  const config = { apiBase: "http://x", defaults: { fail_mode: "closed", timeout_seconds: 2 } };
  assert.deepEqual(await mailbox.loadClientConfig(down, config, null), { fail_mode: "closed", timeout_seconds: 2 });
  const up = () => Promise.resolve({ status: 200, text: () => Promise.resolve('{"fail_mode":"open"}') });
  assert.equal((await mailbox.loadClientConfig(up, config, null)).fail_mode, "open");
});
