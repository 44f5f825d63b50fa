"use strict";
// Pure helpers of the Outlook add-in (addin/outlook/core.js).
const test = require("node:test");
const assert = require("node:assert/strict");
const core = require("../../../addin/outlook/core.js");

const ALL = { v112: true, v114: true, v115: true };
const ONLY_112 = { v112: true, v114: false, v115: false };
const ONLY_114 = { v112: true, v114: true, v115: false };

function verdict(action, title, extra) {
  return Object.assign({
    check_id: "c1", action, policy_version: 1, students_matched: 0,
    findings: action === "allow" ? [] : [{
      rule: "visible_recipients", action, title: title || "40 recipients can see each other's addresses",
      detail: "…", count: 40, evidence: ["p***@gmail.com"], fixes: ["move_to_bcc"],
    }],
  }, extra);
}

function people(n, domain) {
  return Array.from({ length: n }, (_, i) => ({ emailAddress: `parent${i}@${domain || "gmail.com"}`, displayName: `P ${i}` }));
}

test("allow sends the message", () => {
  assert.deepEqual(core.completionFor(verdict("allow"), ALL, "Cmd"), { allowEvent: true });
});

test("warn offers Send Anyway and the review pane on 1.14+", () => {
  const options = core.completionFor(verdict("warn"), ALL, "Cmd");
  assert.equal(options.allowEvent, false);
  assert.equal(options.sendModeOverride, "promptUser");
  assert.equal(options.commandId, "Cmd");
  assert.ok(options.cancelLabel.length <= 20);
  assert.equal(JSON.parse(options.contextData).check_id, "c1");
  assert.ok(options.errorMessage.startsWith("SafeSend warning: 40 recipients"));
  assert.ok(options.errorMessageMarkdown.startsWith("**SafeSend warning**"));
});

test("warn never becomes a block on clients without sendModeOverride", () => {
  assert.deepEqual(core.completionFor(verdict("warn"), ONLY_112, "Cmd"), { allowEvent: true });
});

test("confirm and block hold the message with a message, label and command", () => {
  for (const action of ["confirm", "block"]) {
    const options = core.completionFor(verdict(action), ALL, "Cmd");
    assert.equal(options.allowEvent, false);
    assert.equal(options.sendModeOverride, undefined, action);
    assert.equal(options.commandId, "Cmd");
    assert.equal(options.cancelLabel, "Review and fix");
    assert.equal(typeof options.contextData, "string");
    assert.ok(options.errorMessage.length <= 500);
    assert.ok(options.errorMessageMarkdown.length <= 500);
  }
});

test("options follow the client's requirement sets", () => {
  assert.deepEqual(Object.keys(core.completionFor(verdict("confirm"), ONLY_112, "Cmd")).sort(),
    ["allowEvent", "errorMessage"]);
  const on114 = core.completionFor(verdict("confirm"), ONLY_114, "Cmd");
  assert.equal(on114.errorMessageMarkdown, undefined);
  assert.equal(on114.commandId, "Cmd");
});

test("long titles are cut to the 500-character limits", () => {
  const options = core.completionFor(verdict("block", "x ".repeat(600)), ALL, "Cmd");
  assert.ok(options.errorMessage.length <= 500);
  assert.ok(options.errorMessageMarkdown.length <= 500);
  assert.ok(options.errorMessage.endsWith("…"));
});

test("several findings are counted in the alert", () => {
  const v = verdict("confirm");
  v.findings.push({ rule: "audience_size", action: "warn", title: "This message goes to 1,200 people", count: 1200,
    evidence: [], fixes: [] });
  assert.match(core.completionFor(v, ALL, "Cmd").errorMessage, /\(and 1 more issue\)/);
});

test("markdown special characters in titles are escaped", () => {
  const text = core.alertText(verdict("confirm", "a*b_c [x](y)"));
  assert.ok(text.markdown.includes("a\\*b\\_c \\[x\\]\\(y\\)"));
});

test("an unknown action leaves the decision to the fail mode", () => {
  assert.equal(core.completionFor(verdict("quarantine"), ALL, "Cmd"), null);
});

test("fail closed holds the message and says why", () => {
  const options = core.failModeCompletion("closed", "the service did not answer in time", ALL);
  assert.equal(options.allowEvent, false);
  assert.equal(options.sendModeOverride, undefined);
  assert.match(options.errorMessage, /did not answer in time/);
});

test("fail open offers Send Anyway where it can, and sends where it cannot", () => {
  const open = core.failModeCompletion("open", "down", ALL);
  assert.equal(open.allowEvent, false);
  assert.equal(open.sendModeOverride, "promptUser");
  assert.match(open.errorMessage, /Send Anyway/);
  assert.deepEqual(core.failModeCompletion("open", "down", ONLY_112), { allowEvent: true });
});

test("moving 250 visible recipients to Bcc takes three calls and keeps the sender in To", () => {
  const to = [{ emailAddress: "Teacher@District.example.org" }].concat(people(200));
  const cc = people(50, "yahoo.com");
  const plan = core.planMoveToBcc({ to, cc, bcc: [] }, "teacher@district.example.org");
  assert.equal(plan.ok, true);
  assert.equal(plan.moving, 250);
  assert.deepEqual(plan.addToBcc.map((b) => b.length), [100, 100, 50]);
  assert.deepEqual(plan.newTo.map((r) => r.emailAddress), ["teacher@district.example.org"]);
});

test("recipients already in Bcc are not added twice", () => {
  const plan = core.planMoveToBcc({ to: people(3), cc: [], bcc: people(2) }, "me@d.org");
  assert.equal(plan.moving, 1);
  assert.equal(plan.total, 3);
});

test("a Bcc over the field limit is refused with an explanation", () => {
  const plan = core.planMoveToBcc({ to: people(450), cc: [], bcc: people(100, "x.org") }, "me@d.org");
  assert.equal(plan.ok, false);
  assert.equal(plan.total, 550);
  assert.match(plan.reason, /550 recipients.*500/);
  assert.match(plan.reason, /distribution list|several messages/);
});

test("attachments: inline pictures read like files; cloud and oversized described without content", () => {
  const plan = core.planAttachments([
    { id: "1", name: "list.xlsx", size: 1000, attachmentType: "file", isInline: false },
    { id: "2", name: "image.png", size: 10, attachmentType: "file", isInline: true },
    { id: "3", name: "shared.docx", size: 10, attachmentType: "cloud", isInline: false },
    { id: "4", name: "huge.pdf", size: 5000, attachmentType: "file", isInline: false },
    { id: "5", name: "Fwd: minutes", size: 10, attachmentType: "item", isInline: false },
    { id: "6", name: "image.png", size: 9000, attachmentType: "file", isInline: true },
  ], 2000);
  assert.deepEqual(plan.map((a) => [a.name, a.readContent, a.inline]),
    [["list.xlsx", true, false], ["image.png", true, true], ["shared.docx", false, false],
      ["huge.pdf", false, false], ["Fwd: minutes", false, false], ["image (2).png", false, true]]);
});

test("request names are unique, so a finding names one picture", () => {
  const names = core.requestNames([{ name: "image.png" }, { name: "Image.png" }, { name: "image (2).png" },
    { name: "" , isInline: true }, { name: "notes" }, { name: "notes" }]);
  assert.deepEqual(names, ["image.png", "Image (2).png", "image (2) (2).png", "picture", "notes", "notes (2)"]);
});

test("the check request follows the API contract", () => {
  const request = core.buildCheckRequest({
    sender: "t@d.org", to: [{ emailAddress: "a@x.com", displayName: "A", recipientType: "externalUser" }],
    cc: [{ emailAddress: "all-parents@d.org", displayName: "All parents", recipientType: "distributionList" }],
    bcc: [], subject: "504 plans", bodyText: "Hello", bodyHtml: "<p>Hello</p>",
    attachments: [{ name: "a.csv", contentType: "text/csv", size: 3, contentBase64: "YSxi" },
      { name: "b.docx", contentType: "x", size: 9 },
      { name: "image.png", contentType: "image/png", size: 3, contentBase64: "iVBO", inline: true }],
    version: "0.1.0",
  });
  assert.deepEqual(request.to, [{ address: "a@x.com", name: "A", is_group: false }]);
  assert.equal(request.cc[0].is_group, true);
  assert.deepEqual(request.body, { text: "Hello", html: "<p>Hello</p>" });
  assert.equal(core.buildCheckRequest({ bodyText: "Hi" }).body.html, null);
  assert.deepEqual(request.attachments[0], { name: "a.csv", content_type: "text/csv", content_base64: "YSxi", size: 3 });
  assert.equal(request.attachments[1].content_base64, undefined);
  assert.equal(request.attachments[1].inline, undefined);
  assert.deepEqual(request.attachments[2],
    { name: "image.png", content_type: "image/png", content_base64: "iVBO", size: 3, inline: true });
  assert.deepEqual(core.inlineNames(request), ["image.png"]);
  assert.deepEqual(request.client, { app: "outlook", version: "0.1.0" });
});

test("the fingerprint changes with recipients, subject, either body part or files, not with case", () => {
  const base = { sender: "t@d.org", to: people(2), cc: [], bcc: [], subject: "S", bodyText: "B", attachments: [] };
  const fp = (parts) => core.messageFingerprint(core.buildCheckRequest(Object.assign({}, base, parts)));
  const original = fp({});
  assert.equal(original, fp({}));
  assert.equal(original, fp({ to: base.to.map((r) => ({ emailAddress: r.emailAddress.toUpperCase() })) }));
  assert.notEqual(original, fp({ to: people(3) }));
  assert.notEqual(original, fp({ subject: "T" }));
  assert.notEqual(original, fp({ bodyText: "B!" }));
  assert.notEqual(original, fp({ bcc: base.to, to: [] }));
  assert.notEqual(original, fp({ attachments: [{ name: "x.csv", size: 1 }] }));
  // Issue 11: the HTML body and the pictures pasted into it are checked, so they count too.
  const html = fp({ bodyHtml: "<table><tr><td>Student</td></tr></table>" });
  assert.notEqual(original, html);
  assert.notEqual(html, fp({ bodyHtml: "<table><tr><td>Student 2</td></tr></table>" }));
  const picture = (size) => ({ name: "image.png", size, inline: true });
  assert.notEqual(original, fp({ attachments: [picture(4000)] }));
  assert.notEqual(fp({ attachments: [picture(4000)] }), fp({ attachments: [picture(4100)] }));
  assert.notEqual(fp({ attachments: [picture(4000)] }), fp({ attachments: [{ name: "image.png", size: 4000 }] }));
  // The send handler hashes before it reads content: content must not change the fingerprint.
  assert.equal(fp({ attachments: [picture(4000)] }),
    fp({ attachments: [Object.assign(picture(4000), { contentBase64: "iVBO" })] }));
});

test("fixes map to buttons, one per flagged attachment", () => {
  assert.deepEqual(core.fixesFor({ fixes: ["move_to_bcc"] }).map((f) => f.label), ["Move everyone to Bcc"]);
  const removal = core.fixesFor({ fixes: ["remove_attachment"], attachments: ["a.xlsx", "b.csv"] });
  assert.deepEqual(removal.map((f) => f.attachment), ["a.xlsx", "b.csv"]);
  const picture = core.fixesFor({ fixes: ["remove_attachment"], attachments: ["image (2).png"] }, ["image (2).png"]);
  assert.deepEqual(picture.map((f) => [f.attachment, f.label]),
    [["image (2).png", "Remove the picture image (2).png from the body"]]);
});

test("small helpers", () => {
  assert.deepEqual(core.chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.equal(core.truncate("short", 20), "short");
  assert.ok(core.truncate("a very long label indeed", 12).length <= 12);
  assert.equal(core.parseJson("{bad"), null);
  let calls = 0;
  const finish = core.once(() => { calls += 1; });
  assert.equal(finish(1), true);
  assert.equal(finish(2), false);
  assert.equal(calls, 1);
  const support = core.supportFrom({ isSetSupported: (name, v) => name === "Mailbox" && v <= "1.14" });
  assert.deepEqual(support, { v112: true, v114: true, v115: false });
});
