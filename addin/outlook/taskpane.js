/*
 * SafeSend review pane: what the check found, one-click fixes, and the
 * justification that lets a "confirm" message go. Opened by the Smart Alerts
 * "Review and fix" button (contextData carries the check id) or from the
 * ribbon. The findings come from the item's sessionData, written by the send
 * handler, because the service keeps no message content to show again.
 */
/* global Office, document */
(function (root) {
  "use strict";

  var core = root.SafeSendCore;
  var mailbox = root.SafeSendMailbox;
  var HEADINGS = {
    pending: "Checking this message…",
    allow: "Ready to send",
    warn: "Check before sending",
    confirm: "A fix or a reason is needed",
    block: "Fix this message before sending",
    error: "SafeSend could not check this message",
  };
  var BADGES = { warn: "Warning", confirm: "Needs a fix or a reason", block: "Must be fixed" };

  var pane = { config: {}, clientConfig: {}, authorization: null, record: null };

  function $(id) { return document.getElementById(id); }
  function fetchImpl(url, init) { return root.fetch(url, init); }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;  // never innerHTML: titles carry addresses
    return node;
  }

  function say(message, isProblem) {
    var status = $("status");
    status.textContent = message;
    status.classList.toggle("problem", Boolean(isProblem));
  }

  // ---- rendering --------------------------------------------------------

  function renderFinding(finding, inline) {
    var item = element("li", "finding finding--" + finding.action);
    var heading = element("h2", "finding-title");
    heading.appendChild(element("span", "badge", BADGES[finding.action] || finding.action));
    heading.appendChild(element("span", null, finding.title));
    item.appendChild(heading);
    if (finding.detail) item.appendChild(element("p", "detail", finding.detail));
    var facts = element("dl", "facts");
    facts.appendChild(element("dt", null, "How many"));  // recipients, students or files, by rule
    facts.appendChild(element("dd", null, String(finding.count)));
    if ((finding.evidence || []).length) {
      facts.appendChild(element("dt", null, "For example (partly hidden)"));
      var examples = element("dd");
      var list = element("ul", "evidence");
      finding.evidence.forEach(function (e) { list.appendChild(element("li", null, e)); });
      examples.appendChild(list);
      facts.appendChild(examples);
    }
    item.appendChild(facts);
    var fixes = core.fixesFor(finding, inline);
    if (fixes.length) {
      var buttons = element("div", "fixes");
      fixes.forEach(function (fix) {
        var button = element("button", "primary", fix.label);
        button.type = "button";
        button.dataset.fix = fix.kind;
        if (fix.attachment) button.dataset.attachment = fix.attachment;
        button.addEventListener("click", function () { applyFix(fix, button); });
        buttons.appendChild(button);
      });
      item.appendChild(buttons);
    }
    return item;
  }

  function render(record, focus) {
    pane.record = record;
    var verdict = record && record.verdict;
    var action = verdict ? verdict.action : "error";
    $("verdict").dataset.action = action;
    $("verdict-heading").textContent = HEADINGS[action] || HEADINGS.error;
    $("verdict-summary").textContent = verdict ? core.summaryFor(action) : "";
    var findings = $("findings");
    findings.textContent = "";
    var inline = (record && record.inline) || [];
    ((verdict && verdict.findings) || []).forEach(function (f) { findings.appendChild(renderFinding(f, inline)); });
    var overridden = Boolean(record && record.overridden);
    $("override").hidden = action !== "confirm" || overridden;
    $("blocked-note").hidden = action !== "block";
    $("min-length").textContent = String(minLength());
    if (focus) $("verdict-heading").focus();
  }

  function minLength() {
    return Number(pane.clientConfig.justification_min_length) || 10;
  }

  // ---- actions ----------------------------------------------------------

  async function checkNow(focus) {
    var item = Office.context.mailbox.item;
    $("recheck").disabled = true;
    try {
      var parts = await mailbox.readMessageParts(Office);
      var plan = core.planAttachments(parts.attachmentDetails, pane.clientConfig.max_attachment_bytes);
      var request = core.buildCheckRequest(Object.assign({}, parts, {
        attachments: await mailbox.readAttachmentContents(item, plan), version: pane.config.version,
      }));
      var seconds = Number(pane.clientConfig.timeout_seconds) || 4;
      var verdict = await mailbox.requestCheck(fetchImpl, pane.config, pane.authorization, request, seconds * 1000);
      var record = { check_id: verdict.check_id, fingerprint: core.messageFingerprint(request), verdict: verdict,
        inline: core.inlineNames(request) };
      await mailbox.writeSession(item, core.SESSION_KEYS.verdict, record);
      render(record, focus);
    } catch (error) {
      render(null, focus);
      say("SafeSend could not check the message: " + (error.message || "unknown error") +
        ". Try again in a moment.", true);
    } finally {
      $("recheck").disabled = false;
    }
  }

  async function applyFix(fix, button) {
    button.disabled = true;
    var done;
    try {
      if (fix.kind === "move_to_bcc") {
        say("Moving recipients to Bcc…");
        var plan = await mailbox.moveEveryoneToBcc(Office, core.LIMITS.recipientsPerField);
        if (!plan.ok) {
          say(plan.reason, true);
          button.disabled = false;
          return;
        }
        done = "Moved " + plan.moving + " recipient" + (plan.moving === 1 ? "" : "s") +
          " to Bcc. You stay in To, so you get a copy.";
      } else {
        var removed = await mailbox.removeAttachmentNamed(Office.context.mailbox.item, fix.attachment);
        done = removed ? "Removed " + fix.attachment + "." : fix.attachment + " is no longer in the message.";
      }
    } catch (error) {
      button.disabled = false;
      say("That did not work: " + (error.message || "Outlook refused the change") + ".", true);
      return;
    }
    say(done + " Checking again…");
    await checkNow(true);
    if (pane.record) say(done + " " + core.summaryFor(pane.record.verdict.action));
  }

  function showJustificationError(message) {
    var error = $("justification-error");
    error.textContent = message;
    error.hidden = !message;
    $("justification").setAttribute("aria-invalid", message ? "true" : "false");
  }

  async function submitOverride(event) {
    event.preventDefault();
    var text = $("justification").value.replace(/\s+/g, " ").trim();
    if (text.length < minLength()) {
      showJustificationError("Please write at least " + minLength() + " characters (you wrote " + text.length + ").");
      $("justification").focus();
      return;
    }
    showJustificationError("");
    var record = pane.record;
    $("override-submit").disabled = true;
    try {
      var answer = await mailbox.postOverride(fetchImpl, pane.config, pane.authorization, record.check_id, text,
        (Number(pane.clientConfig.timeout_seconds) || 4) * 1000);
      if (answer.status !== 201) {
        var message = answer.body && answer.body.error ? answer.body.error.message : "SafeSend refused the reason.";
        showJustificationError(message);
        $("justification").focus();
        return;
      }
      var item = Office.context.mailbox.item;
      // The next Send of this exact message (same fingerprint) goes through.
      await mailbox.writeSession(item, core.SESSION_KEYS.override,
        { fingerprint: record.fingerprint, check_id: record.check_id });
      record.overridden = true;
      await mailbox.writeSession(item, core.SESSION_KEYS.verdict, record);
      render(record, false);
      say("Your reason is recorded. Select Send again: the message will go as it is, " +
        "unless you change it first.");
      $("status").focus();
    } catch (error) {
      showJustificationError("SafeSend could not be reached, so the reason was not recorded. Try again.");
    } finally {
      $("override-submit").disabled = false;
    }
  }

  // ---- start ------------------------------------------------------------

  async function start() {
    pane.config = root.SafeSendConfig || {};
    pane.clientConfig = Object.assign({}, pane.config.defaults);
    $("override").addEventListener("submit", submitOverride);
    $("recheck").addEventListener("click", function () { say(""); checkNow(true); });
    var item = Office.context.mailbox.item;
    pane.authorization = await mailbox.acquireAuthorization(Office, pane.config, { interactive: true });
    var found = await Promise.all([
      mailbox.initializationContext(item),
      mailbox.readSession(item, core.SESSION_KEYS.verdict),
      mailbox.loadClientConfig(fetchImpl, pane.config, pane.authorization),
    ]);
    var context = found[0], stored = found[1];
    pane.clientConfig = found[2];
    if (stored && stored.verdict && (!context || context.check_id === stored.check_id)) {
      render(stored, true);
    } else {
      await checkNow(true);
    }
  }

  Office.onReady(function () {
    start().catch(function (error) {
      render(null, true);
      say("SafeSend could not start: " + (error.message || error), true);
    });
  });
})(typeof globalThis !== "undefined" ? globalThis : this);
