"use strict";
// The send handler (addin/outlook/launchevent.js) loaded as a plain script,
// the way the JavaScript-only runtime loads it, with a scripted service.
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { createFakeOffice } = require("../fake_office.js");

const ADDIN = path.resolve(__dirname, "../../../addin/outlook");
const COMMAND_ID = "SafeSendReviewButton";

function people(n) {
  return Array.from({ length: n }, (_, i) => ({ emailAddress: `parent${i}@gmail.com`, displayName: `P ${i}` }));
}

/** Load the handler into a fresh global scope with a fake Office and fetch. */
function load(seed, service, configOverrides) {
  const fake = createFakeOffice(Object.assign({ commandIds: [COMMAND_ID] }, seed));
  const requests = [];
  globalThis.Office = fake.Office;
  globalThis.fetch = (url, init) => {
    requests.push({ url, init });
    return service(url, init);
  };
  globalThis.SafeSendConfig = Object.assign({
    apiBase: "http://safesend.test", version: "0.1.0", commandId: COMMAND_ID, devApiKey: "ss_dev",
    defaults: { fail_mode: "open", timeout_seconds: 0.3, max_attachment_bytes: 1000 },
  }, configOverrides);
  // Under Node core.js and mailbox.js export instead of setting globals; the
  // service's bundle sets them, so do the same here.
  globalThis.SafeSendCore = require(path.join(ADDIN, "core.js"));
  globalThis.SafeSendMailbox = require(path.join(ADDIN, "mailbox.js"));
  const handler = path.join(ADDIN, "launchevent.js");
  delete require.cache[handler];  // re-run it: it associates with this fake's Office
  require(handler);
  return { fake, requests };
}

function json(status, body) {
  return Promise.resolve({ status, text: () => Promise.resolve(JSON.stringify(body)) });
}

function serviceAnswering(verdict, clientConfig) {
  return (url) => (url.endsWith("/client-config") ? json(200, clientConfig || {}) : json(200, verdict));
}

const CONFIRM = {
  check_id: "chk1", action: "confirm", policy_version: 1, students_matched: 0,
  findings: [{ rule: "visible_recipients", action: "confirm", title: "40 recipients can see each other's addresses",
    detail: "…", count: 40, evidence: ["p***@gmail.com"], fixes: ["move_to_bcc"] }],
};

test("registers onMessageSendHandler with Office.actions.associate", () => {
  const { fake } = load({}, serviceAnswering({ action: "allow", findings: [] }));
  assert.equal(typeof fake.handlers.onMessageSendHandler, "function");
});

test("confirm: held with the review command, the check id and the verdict kept for the pane", async () => {
  const { fake, requests } = load({ item: { to: people(40), subject: "504 plan meetings", body: "Hello" } },
    serviceAnswering(CONFIRM));
  const { options } = await fake.fireSend();
  assert.equal(options.allowEvent, false);
  assert.equal(options.commandId, COMMAND_ID);
  assert.deepEqual(JSON.parse(options.contextData), { check_id: "chk1", action: "confirm" });
  assert.deepEqual(fake.state.violations, []);
  const check = requests.find((r) => r.url.endsWith("/api/v1/checks"));
  assert.equal(check.init.headers.Authorization, "Bearer ss_dev");
  const body = JSON.parse(check.init.body);
  assert.equal(body.to.length, 40);
  assert.equal(body.client.app, "outlook");
  const stored = JSON.parse(fake.state.item.sessionData["safesend.verdict"]);
  assert.equal(stored.check_id, "chk1");
  assert.equal(fake.state.item.initializationContext, options.contextData);
});

test("attachments: content up to the tenant's cap, names only beyond it", async () => {
  const { fake, requests } = load({ item: { to: people(1), attachments: [
    { id: "a1", name: "small.csv", size: 4, contentBase64: "YSxi" },
    { id: "a2", name: "big.xlsx", size: 5000, contentBase64: "eHh4" }] } },
  serviceAnswering({ check_id: "c", action: "allow", findings: [] }, { max_attachment_bytes: 100 }));
  const { options } = await fake.fireSend();
  assert.deepEqual(options, { allowEvent: true });
  const sent = JSON.parse(requests.find((r) => r.url.endsWith("/checks")).init.body).attachments;
  assert.deepEqual(sent.map((a) => [a.name, a.content_base64]), [["small.csv", "YSxi"], ["big.xlsx", undefined]]);
});

test("a justified override lets the same unchanged message go without asking again", async () => {
  const { fake, requests } = load({ item: { to: people(40), subject: "504", body: "Hello" } }, serviceAnswering(CONFIRM));
  await fake.fireSend();
  const stored = JSON.parse(fake.state.item.sessionData["safesend.verdict"]);
  fake.state.item.sessionData["safesend.override"] = JSON.stringify({ fingerprint: stored.fingerprint, check_id: "chk1" });
  fake.state.completed = [];
  const checksBefore = requests.filter((r) => r.url.endsWith("/checks")).length;
  assert.deepEqual((await fake.fireSend()).options, { allowEvent: true });
  assert.equal(requests.filter((r) => r.url.endsWith("/checks")).length, checksBefore);
  // Changing the message asks again.
  fake.state.item.subject = "504 (updated)";
  fake.state.completed = [];
  assert.equal((await fake.fireSend()).options.allowEvent, false);
});

test("an allowed check sets the verdict's X-SafeSend stamp for the mail-flow gate", async () => {
  const stamp = "v1 " + "c".repeat(32) + " " + "d".repeat(64);
  const { fake } = load({ item: { to: people(1), subject: "Agenda", body: "Monday" } },
    serviceAnswering({ check_id: "c".repeat(32), action: "allow", policy_version: 1, students_matched: 0,
      findings: [], stamp }));
  assert.deepEqual((await fake.fireSend()).options, { allowEvent: true });
  assert.deepEqual(fake.state.item.internetHeaders, { "X-SafeSend": stamp });
});

test("a held message gets no stamp; after the reason, the held check's stamp is set", async () => {
  const stamp = "v1 " + "a".repeat(32) + " " + "b".repeat(64);
  const { fake } = load({ item: { to: people(40), subject: "504", body: "Hello" } },
    serviceAnswering(Object.assign({}, CONFIRM, { stamp })));
  assert.equal((await fake.fireSend()).options.allowEvent, false);
  assert.deepEqual(fake.state.item.internetHeaders, {});
  const stored = JSON.parse(fake.state.item.sessionData["safesend.verdict"]);
  fake.state.item.sessionData["safesend.override"] = JSON.stringify({ fingerprint: stored.fingerprint, check_id: "chk1" });
  fake.state.completed = [];
  assert.deepEqual((await fake.fireSend()).options, { allowEvent: true });
  assert.deepEqual(fake.state.item.internetHeaders, { "X-SafeSend": stamp });
});

test("a client without internetHeaders still sends, without a stamp", async () => {
  const { fake } = load({ item: { to: people(1), subject: "Agenda", body: "Monday" } },
    serviceAnswering({ check_id: "c", action: "allow", findings: [], stamp: "v1 x y" }));
  delete fake.Office.context.mailbox.item.internetHeaders;
  assert.deepEqual((await fake.fireSend()).options, { allowEvent: true });
});

test("service unreachable, fail open: Send Anyway with a notice", async () => {
  const { fake } = load({ item: { to: people(3) } }, () => Promise.reject(new TypeError("Failed to fetch")));
  const { options } = await fake.fireSend();
  assert.equal(options.allowEvent, false);
  assert.equal(options.sendModeOverride, "promptUser");
  assert.match(options.errorMessage, /cannot be reached/);
  assert.deepEqual(fake.state.violations, []);
});

test("service unreachable, fail closed: held with a clear message", async () => {
  const { fake } = load({ item: { to: people(3) } }, () => Promise.reject(new TypeError("Failed to fetch")),
    { defaults: { fail_mode: "closed", timeout_seconds: 0.3 } });
  const { options } = await fake.fireSend();
  assert.equal(options.allowEvent, false);
  assert.equal(options.sendModeOverride, undefined);
  assert.match(options.errorMessage, /holds messages until they are checked/);
});

test("service too slow: the fail mode within the bound", async () => {
  const slow = (url) => (url.endsWith("/client-config")
    ? json(200, { fail_mode: "closed", timeout_seconds: 0.2 }) : new Promise(() => {}));
  const { fake } = load({ item: { to: people(3) } }, slow);
  const { options, ms } = await fake.fireSend();
  assert.equal(options.allowEvent, false);
  assert.match(options.errorMessage, /did not answer in time/);
  assert.ok(ms < 1500, `completed after ${ms} ms`);
});

test("an Office call that fails still completes the event", async () => {
  const { fake } = load({ item: { to: people(3) } }, serviceAnswering(CONFIRM));
  fake.Office.context.mailbox.item.body.getAsync = (coercion, cb) =>
    setTimeout(() => cb({ status: "failed", error: { name: "GenericError", message: "body unavailable" } }), 0);
  const { options } = await fake.fireSend();
  assert.equal(options.allowEvent, false);
  assert.equal(options.sendModeOverride, "promptUser");
  assert.match(options.errorMessage, /body unavailable/);
});

test("on a Mailbox 1.12 client a warning lets the message go", async () => {
  const warn = Object.assign({}, CONFIRM, { action: "warn",
    findings: [Object.assign({}, CONFIRM.findings[0], { action: "warn" })] });
  const { fake } = load({ mailboxVersion: "1.12", item: { to: people(12) } }, serviceAnswering(warn));
  assert.deepEqual((await fake.fireSend()).options, { allowEvent: true });
  assert.deepEqual(fake.state.violations, []);
});

// Delay Delivery / Send later (Mailbox 1.13 item.delayDeliveryTime): the sender
// still selects Send, so OnMessageSend checks the message like any other; the
// handler neither reads nor moves the delivery time.
const TOMORROW = Date.UTC(2026, 11, 4, 7, 30);
const BLOCK = {
  check_id: "chk2", action: "block", policy_version: 1, students_matched: 12,
  findings: [{ rule: "student_data", action: "block", title: "12 students are identified",
    detail: "…", count: 12, evidence: [], fixes: ["remove_attachment"] }],
};

for (const [label, verdict, allowed] of [
  ["confirm", CONFIRM, false],
  ["block", BLOCK, false],
  ["allow", { check_id: "chk3", action: "allow", policy_version: 1, students_matched: 0, findings: [] }, true],
]) {
  test(`a message with a delivery time set is checked at Send: ${label}`, async () => {
    const { fake, requests } = load({ item: { to: people(40), subject: "504 plan meetings", body: "Hello",
      delayDeliveryTime: TOMORROW } }, serviceAnswering(verdict));
    const record = await fake.fireSend();
    assert.equal(requests.filter((r) => r.url.endsWith("/api/v1/checks")).length, 1);
    assert.equal(record.options.allowEvent, allowed);
    assert.equal(record.deliverAt, allowed ? TOMORROW : null);   // held: nothing is scheduled
    assert.equal(fake.state.item.delayDeliveryTime, TOMORROW);    // untouched either way
    assert.deepEqual(fake.state.calls.filter((c) => c.api.startsWith("delayDeliveryTime")), []);
    assert.deepEqual(fake.state.violations, []);
  });
}

test("the stand-in's delayDeliveryTime answers as documented (Mailbox 1.13)", async () => {
  const { fake } = load({ item: { to: people(1) } }, serviceAnswering(CONFIRM));
  const delay = fake.Office.context.mailbox.item.delayDeliveryTime;
  const ask = (fn, ...args) => new Promise((resolve) => fn(...args, resolve));
  assert.equal((await ask(delay.getAsync)).value, 0);   // not set: 0
  assert.equal((await ask(delay.setAsync, "tomorrow")).error.name, "InvalidFormatError");
  assert.equal((await ask(delay.setAsync, new Date(TOMORROW))).status, "succeeded");
  assert.equal((await ask(delay.getAsync)).value.getTime(), TOMORROW);
  const older = load({ mailboxVersion: "1.12", item: { to: people(1) } }, serviceAnswering(CONFIRM));
  assert.equal(older.fake.Office.context.mailbox.item.delayDeliveryTime, undefined);
});
