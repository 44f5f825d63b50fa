import assert from "node:assert/strict";
import { test } from "node:test";

import { failureOutcome, failureReason } from "../src/core/failure.js";
import { fixesFor, isKnownVerdict, presentVerdict, reasonProblem } from "../src/core/verdict.js";

const finding = (action, fixes = [], attachments = []) => ({
  rule: "visible_recipients", action, title: "T", detail: "D", count: 3, evidence: ["j***@gmail.com"],
  fixes, attachments,
});
const verdict = (action, findings) => ({ check_id: "c1", action, policy_version: 1, students_matched: 0, findings });

test("each fix is offered once, attachments by name", () => {
  const v = verdict("confirm", [finding("warn", ["move_to_bcc"]), finding("confirm", ["move_to_bcc"]),
    finding("warn", ["remove_attachment"], ["roster.xlsx", "roster.xlsx", "ids.csv"])]);
  assert.deepEqual(fixesFor(v).map((f) => f.label),
    ["Move everyone to Bcc", "Remove roster.xlsx", "Remove ids.csv"]);
});

test("the dialog offers Send anyway for warn, a reason for confirm, neither for block", () => {
  const warn = presentVerdict(verdict("warn", [finding("warn")]));
  assert.equal(warn.canSendAnyway, true);
  assert.equal(warn.needsReason, false);
  const confirm = presentVerdict(verdict("confirm", [finding("confirm")]));
  assert.equal(confirm.canSendAnyway, false);
  assert.equal(confirm.needsReason, true);
  const block = presentVerdict(verdict("block", [finding("block")]));
  assert.equal(block.canSendAnyway || block.needsReason, false);
  assert.equal(presentVerdict(verdict("allow", [])).holdsSend, false);
});

test("only well-formed verdicts are trusted", () => {
  assert.equal(isKnownVerdict(verdict("warn", [])), true);
  assert.equal(isKnownVerdict({ ...verdict("warn", []), action: "maybe" }), false);
  assert.equal(isKnownVerdict(null), false);
  assert.equal(isKnownVerdict({ action: "allow" }), false);
});

test("a reason must be long enough, counting words not spaces", () => {
  assert.match(reasonProblem("   ", 10), /at least 10/);
  assert.match(reasonProblem("too    short", 10), /at least 10/);
  assert.equal(reasonProblem("Parents asked for a reply-all thread", 10), null);
});

test("fail open sends with a notice; fail closed holds and says whom to call", () => {
  const open = failureOutcome({ kind: "timeout", seconds: 4 }, "open", "");
  assert.equal(open.send, true);
  assert.match(open.notice, /did not answer within 4 seconds.*sent without a check/);
  const closed = failureOutcome({ kind: "network" }, "closed", "the IT help desk");
  assert.equal(closed.send, false);
  assert.match(closed.notice, /could not be reached.*has not been sent.*the IT help desk/);
});

test("every failure has words a teacher understands", () => {
  for (const result of [{ kind: "auth", message: "expired" }, { kind: "http", status: 500 },
    { kind: "not_configured" }, { kind: "internal" }]) {
    assert.ok(failureReason(result).startsWith("SafeSend"), failureReason(result));
  }
});
