/**
 * When SafeSend does not answer: the district's fail mode decides, and the
 * sender is always told. Never a silent failure.
 */

export function failureReason(result) {
  switch (result.kind) {
    case "timeout":
      return `SafeSend did not answer within ${result.seconds ?? "a few"} seconds`;
    case "network":
      return "SafeSend could not be reached";
    case "auth":
      return `SafeSend could not confirm who you are (${result.message || "sign-in failed"})`;
    case "http":
      return `SafeSend answered with an error (${result.status}${result.message ? `: ${result.message}` : ""})`;
    case "not_configured":
      return "SafeSend is not set up in this browser";
    default:
      return "SafeSend gave an answer this extension does not understand";
  }
}

/**
 * {send, notice} for fail mode "open" (send with a notice) or "closed"
 * (hold the message and explain).
 */
export function failureOutcome(result, failMode, supportContact) {
  const reason = failureReason(result);
  if (failMode === "closed") {
    const help = supportContact ? ` If it keeps happening, contact ${supportContact}.` : "";
    return {
      send: false,
      title: "SafeSend could not check this message",
      notice: `${reason}. Your district holds messages until SafeSend can check them, so this one `
        + `has not been sent. Try again in a minute.${help}`,
    };
  }
  return {
    send: true,
    title: "Sent without a SafeSend check",
    notice: `${reason}, so this message was sent without a check, as your district allows.`,
  };
}
