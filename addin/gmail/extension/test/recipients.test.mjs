import assert from "node:assert/strict";
import { test } from "node:test";

import { normalizeAddress, planMoveToBcc, recipientCount, toApiRecipients } from "../src/core/recipients.js";
import { buildCheckRequest } from "../src/core/request.js";

const c = (emailAddress, name = "") => ({ emailAddress, name });

test("addresses compare as mailboxes", () => {
  assert.equal(normalizeAddress("Pat Doe <Pat@Example.org>"), "pat@example.org");
  assert.equal(normalizeAddress("  PAT@example.org "), "pat@example.org");
  assert.equal(normalizeAddress(undefined), "");
});

test("move to Bcc keeps the sender in To and lists everyone else once", () => {
  const plan = planMoveToBcc({
    to: [c("p1@gmail.com"), c("Teacher@district.org"), c("P2@gmail.com")],
    cc: [c("p2@gmail.com"), c("p3@yahoo.com")],
    bcc: [c("office@district.org"), c("p3@yahoo.com")],
  }, "teacher@district.org");
  assert.deepEqual(plan.to, ["teacher@district.org"]);
  assert.deepEqual(plan.cc, []);
  assert.deepEqual(plan.bcc, ["office@district.org", "p3@yahoo.com", "p1@gmail.com", "P2@gmail.com"]);
  assert.equal(plan.moved, 2);
});

test("move to Bcc without a known sender leaves To empty", () => {
  assert.deepEqual(planMoveToBcc({ to: [c("a@x.org")], cc: [], bcc: [] }, "").to, []);
});

test("contacts become API recipients", () => {
  assert.deepEqual(toApiRecipients([c("a@x.org", "A"), { emailAddress: "", name: "List" }, null]),
    [{ address: "a@x.org", name: "A" }, { address: "", name: "List" }]);
  assert.equal(recipientCount({ to: [1], cc: [1, 2], bcc: [] }), 3);
});

test("a snapshot becomes the documented check request", () => {
  const request = buildCheckRequest({
    sender: "t@district.org", to: [c("p@gmail.com", "P")], cc: [], bcc: [], subject: "504 plans",
    text: "Hello", html: "<p>Hello</p>", isReply: true,
    attachments: [{ name: "a.xlsx", content_type: "application/x", content_base64: "AAE=" },
      { name: "big.pdf", content_type: "application/pdf", content_base64: null, size: 9e7 }],
  }, "0.1.0");
  assert.deepEqual(request, {
    sender: "t@district.org", to: [{ address: "p@gmail.com", name: "P" }], cc: [], bcc: [],
    subject: "504 plans", body: { text: "Hello", html: "<p>Hello</p>" },
    attachments: [{ name: "a.xlsx", content_type: "application/x", content_base64: "AAE=" },
      { name: "big.pdf", content_type: "application/pdf", content_base64: null, size: 9e7 }],
    client: { app: "gmail-extension", version: "0.1.0" }, is_reply: true,
  });
});
