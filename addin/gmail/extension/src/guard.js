/**
 * Send, guarded. InboxSDK's `presending` can only be cancelled while it is
 * being delivered, so every Send is cancelled at once, checked, and sent
 * again by the extension (let through once) when the sender may go.
 */

import { failureOutcome } from "./core/failure.js";
import { planMoveToBcc, recipientCount } from "./core/recipients.js";
import { buildCheckRequest } from "./core/request.js";
import { isKnownVerdict, presentVerdict, reasonProblem } from "./core/verdict.js";
import { openDialog } from "./ui/dialog.js";
import { showNotice } from "./ui/notice.js";

const LET_THROUGH_MS = 3000;
const OVERRIDE_TIMEOUT_MS = 5000;
// After a check passes, the sender has this long to open Schedule send again.
const SCHEDULE_CLEARED_MS = 60000;

export function guardComposeView(view, deps) {
  let letThrough = false;
  let reviewing = false;
  view.on("presending", (event) => {
    if (letThrough) {
      letThrough = false;
      return;
    }
    event.cancel();
    if (reviewing) return;
    reviewing = true;
    review(deps)
      .then((send) => {
        if (!send) return;
        letThrough = true;
        setTimeout(() => { letThrough = false; }, LET_THROUGH_MS);
        deps.adapter.send();
      })
      .finally(() => { reviewing = false; });
  });
  guardScheduleSend(view, deps);
}

/**
 * Schedule send (issue 14). Gmail does not fire `presending` for a scheduled
 * message, and InboxSDK cannot open the schedule menu for us: the menu is
 * held (`scheduleSendMenuOpening` is cancellable), the message is checked,
 * and when it may go the sender is asked to open Schedule send again, which
 * then opens once. Changing the recipients needs a new check. Keyboard
 * Send (Ctrl/Cmd+Enter) and Send and archive already raise `presending`.
 */
export function guardScheduleSend(view, deps) {
  let clearedUntil = 0;
  let reviewing = false;
  view.on("recipientsChanged", () => { clearedUntil = 0; });
  view.on("scheduleSendMenuOpening", (event) => {
    if (Date.now() < clearedUntil) {
      clearedUntil = 0;
      return;
    }
    event.cancel();
    if (reviewing) return;
    reviewing = true;
    review(deps)
      .then((mayGo) => {
        if (!mayGo) return;
        clearedUntil = Date.now() + SCHEDULE_CLEARED_MS;
        showNotice(deps.doc, { title: "Checked. ", text: "Open Schedule send again to choose the time." });
      })
      .finally(() => { reviewing = false; });
  });
}

/** true when the message may go now. */
export async function review(deps) {
  let policy;
  let dialog = null;
  try {
    policy = await deps.clientSettings();
    let state = await runCheck(deps, policy);
    let sawVerdict = false;
    for (;;) {
      // Allowed at once (or after "Try again") goes; allowed after a fix shows "Ready to send" first.
      if (state.skip || (state.ok && state.verdict.action === "allow" && !sawVerdict)) {
        dialog?.close();
        return true;
      }
      if (!state.ok) {
        const outcome = failureOutcome(state.result, policy.failMode, policy.supportContact);
        if (outcome.send) {
          dialog?.close();
          showNotice(deps.doc, { title: outcome.title, text: outcome.notice });
          return true;
        }
        dialog = dialog || openDialog(deps.doc);
        dialog.show({ kind: "failed", title: outcome.title, text: outcome.notice });
      } else {
        sawVerdict = true;
        dialog = dialog || openDialog(deps.doc);
        showVerdict(dialog, state.verdict, policy);
      }
      const next = await converse(dialog, deps, policy, state);
      if (next === true || next === false) {
        dialog.close();
        return next;
      }
      state = next;
    }
  } catch (error) {
    // A fault of ours is a failure like any other: the fail mode decides, and the sender is told.
    deps.log?.(error);
    dialog?.close();
    const outcome = failureOutcome({ kind: "internal" }, policy?.failMode || "open", policy?.supportContact);
    showNotice(deps.doc, { title: outcome.title, text: outcome.notice });
    return outcome.send;
  }
}

function showVerdict(dialog, verdict, policy) {
  if (verdict.action === "allow") {
    dialog.show({ kind: "ready", title: "Ready to send", text: "SafeSend found nothing else to fix." });
  } else {
    dialog.show({ kind: "verdict", presentation: presentVerdict(verdict), reasonMin: policy.justificationMinLength });
  }
}

async function runCheck(deps, policy) {
  const snapshot = await deps.adapter.snapshot({ maxAttachmentBytes: policy.maxAttachmentBytes });
  // Gmail itself asks for a recipient; nothing to check yet.
  if (recipientCount(snapshot) === 0) return { skip: true };
  const result = await deps.client.check(buildCheckRequest(snapshot, deps.version), policy.timeoutSeconds * 1000);
  if (!result.ok) return { ok: false, result };
  if (!isKnownVerdict(result.data)) return { ok: false, result: { kind: "unknown" } };
  return { ok: true, verdict: result.data };
}

/**
 * Wait for the sender's decisions until one changes the state: returns
 * true (send), false (back to editing) or the new check state.
 */
async function converse(dialog, deps, policy, state) {
  for (;;) {
    const choice = await dialog.choice();
    switch (choice.type) {
      case "close":
        return false;
      case "send":
        return true;
      case "retry":
        dialog.setBusy(true);
        dialog.setStatus("Checking again…");
        return runCheck(deps, policy);
      case "fix": {
        const done = await applyFix(dialog, deps, choice.fix);
        if (!done) break;
        dialog.setStatus("Checking again…");
        return runCheck(deps, policy);
      }
      case "send-anyway":
        dialog.setBusy(true);
        dialog.setStatus("Sending…");
        // Optional for a warning: the record helps reviewers, but it never holds the message.
        await deps.client.override(state.verdict.check_id, "", OVERRIDE_TIMEOUT_MS);
        return true;
      case "send-with-reason": {
        if (await recordReason(dialog, deps, policy, state.verdict, choice.reason)) return true;
        break;
      }
      default:
        break;
    }
  }
}

async function applyFix(dialog, deps, fix) {
  dialog.setBusy(true);
  if (fix.kind === "move_to_bcc") {
    dialog.setStatus("Moving recipients to Bcc…");
    deps.adapter.setRecipients(planMoveToBcc(deps.adapter.recipients(), deps.adapter.sender()));
    return true;
  }
  if (fix.kind === "remove_attachment") {
    dialog.setStatus(`Removing ${fix.attachment}…`);
    if (deps.adapter.removeAttachment(fix.attachment)) return true;
    dialog.setBusy(false);
    dialog.setStatus(`SafeSend could not remove ${fix.attachment}. Remove it in the message, then press Send.`, true);
    return false;
  }
  dialog.setBusy(false);
  return false;
}

/** The reason must be stored before the message goes; true when it was. */
async function recordReason(dialog, deps, policy, verdict, reason) {
  const problem = reasonProblem(reason, policy.justificationMinLength);
  if (problem) {
    dialog.setStatus(problem, true);
    return false;
  }
  dialog.setBusy(true);
  dialog.setStatus("Recording your reason…");
  const result = await deps.client.override(verdict.check_id, reason.trim(), OVERRIDE_TIMEOUT_MS);
  if (result.ok) return true;
  dialog.setBusy(false);
  const why = result.kind === "http" || result.kind === "auth" ? (result.message || `error ${result.status}`)
    : "SafeSend could not be reached";
  dialog.setStatus(`Your reason was not recorded (${why}), so the message was not sent. Try again.`, true);
  return false;
}
