/** What a verdict means for the sender: hold or send, which buttons, what words. */

export const ACTIONS = ["allow", "warn", "confirm", "block"];

const TITLES = {
  warn: "Check this message before sending",
  confirm: "This message needs a fix or a reason",
  block: "This message can't be sent as it is",
};

const SUMMARIES = {
  warn: "SafeSend found something to check. Fix it below, or send it anyway.",
  confirm: "Fix it below, or tell us why it must go as it is. Your reason is recorded for district review.",
  block: "Fix it below before sending. Messages like this cannot be sent anyway.",
};

export function isKnownVerdict(verdict) {
  return Boolean(verdict) && typeof verdict.check_id === "string" && ACTIONS.includes(verdict.action)
    && Array.isArray(verdict.findings);
}

/** The one-click fixes of a verdict, each once, in the order findings list them. */
export function fixesFor(verdict) {
  const fixes = [];
  const seen = new Set();
  for (const finding of verdict.findings || []) {
    for (const fix of finding.fixes || []) {
      if (fix === "move_to_bcc" && !seen.has(fix)) {
        seen.add(fix);
        fixes.push({ kind: "move_to_bcc", label: "Move everyone to Bcc" });
      }
      if (fix === "remove_attachment") {
        for (const name of finding.attachments || []) {
          if (seen.has(`attachment:${name}`)) continue;
          seen.add(`attachment:${name}`);
          fixes.push({ kind: "remove_attachment", attachment: name, label: `Remove ${name}` });
        }
      }
    }
  }
  return fixes;
}

/** How the dialog presents a verdict. */
export function presentVerdict(verdict) {
  const action = verdict.action;
  return {
    action,
    holdsSend: action !== "allow",
    title: TITLES[action] || "Ready to send",
    summary: SUMMARIES[action] || "SafeSend found nothing to fix.",
    canSendAnyway: action === "warn",
    needsReason: action === "confirm",
    fixes: fixesFor(verdict),
    findings: (verdict.findings || []).map((f) => ({
      rule: f.rule, action: f.action, title: f.title, detail: f.detail, evidence: f.evidence || [],
    })),
  };
}

export function reasonProblem(text, minimum) {
  const length = String(text || "").trim().split(/\s+/).join(" ").length;
  if (length >= minimum) return null;
  return `Please give a reason of at least ${minimum} characters.`;
}
