/*
 * SafeSend add-in: pure helpers shared by the send handler, the task pane
 * and the Node tests. No Office, no DOM, no network: data in, data out.
 *
 * Plain script (no import/export) because classic Outlook on Windows runs
 * the send handler in a JavaScript-only runtime that has no modules. Under
 * Node the same file exports through module.exports.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.SafeSendCore = api;
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  // Platform limits (Outlook docs: SmartAlertsEventCompletedOptions, Recipients).
  var LIMITS = {
    errorMessage: 500,        // errorMessage and errorMessageMarkdown, characters
    cancelLabel: 20,          // characters
    recipientsPerCall: 100,   // setAsync/addAsync
    recipientsPerField: 500,  // web, new Outlook, Mac; classic Windows differs
  };

  var ACTION_RANK = { allow: 0, warn: 1, confirm: 2, block: 3 };
  var CANCEL_LABEL = "Review and fix";
  var SESSION_KEYS = { verdict: "safesend.verdict", override: "safesend.override" };

  function rank(action) {
    return Object.prototype.hasOwnProperty.call(ACTION_RANK, action) ? ACTION_RANK[action] : -1;
  }

  function truncate(text, max) {
    text = String(text == null ? "" : text);
    if (text.length <= max) return text;
    return text.slice(0, Math.max(0, max - 1)).replace(/\s+\S*$/, "") + "…";
  }

  function normalizeAddress(address) {
    return String(address || "").trim().toLowerCase();
  }

  function chunk(list, size) {
    var out = [];
    for (var i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
    return out;
  }

  /** Office EmailAddressDetails -> the API's recipient objects. */
  function toApiRecipients(details) {
    return (details || []).map(function (d) {
      return {
        address: d.emailAddress || "",
        name: d.displayName || "",
        is_group: d.recipientType === "distributionList",
      };
    });
  }

  /**
   * The name each attachment goes by in the request, the verdict and the
   * "Remove" button: its own name, made unique ("image (2).png") because
   * Outlook names every picture pasted into the body "image.png", and a
   * finding must point at one picture, not at all of them.
   */
  function requestNames(details) {
    var taken = {};
    return (details || []).map(function (a) {
      var name = a.name || (a.isInline ? "picture" : "attachment");
      if (!taken[name.toLowerCase()]) {
        taken[name.toLowerCase()] = true;
        return name;
      }
      var dot = name.lastIndexOf(".");
      var stem = dot > 0 ? name.slice(0, dot) : name, extension = dot > 0 ? name.slice(dot) : "";
      var n = 2, candidate;
      do { candidate = stem + " (" + n++ + ")" + extension; } while (taken[candidate.toLowerCase()]);
      taken[candidate.toLowerCase()] = true;
      return candidate;
    });
  }

  /**
   * Which attachments to read, and which to describe only. Inline pictures
   * are read like files (issue 11): a screenshot of a 504 list pasted into
   * the body is an inline picture, and the service sets logos and icons
   * aside in about a millisecond. Cloud links and attached items have no
   * file content to send; files over the district's cap are sent by name
   * and size so the service can say so.
   */
  function planAttachments(details, capBytes) {
    var names = requestNames(details);
    return (details || []).map(function (a, i) {
      var isFile = (a.attachmentType || "file") === "file";
      var size = typeof a.size === "number" ? a.size : null;
      var fits = size === null || !capBytes || size <= capBytes;
      return {
        id: a.id, name: names[i], contentType: a.contentType || "application/octet-stream",
        size: size, inline: Boolean(a.isInline), readContent: isFile && fits,
      };
    });
  }

  function buildCheckRequest(parts) {
    return {
      sender: parts.sender || "",
      to: toApiRecipients(parts.to),
      cc: toApiRecipients(parts.cc),
      bcc: toApiRecipients(parts.bcc),
      subject: parts.subject || "",
      // Both alternatives: Outlook's text rendering loses a table's columns
      // and skips what the HTML hides; the service reads each as it should.
      body: { text: parts.bodyText || "", html: parts.bodyHtml || null },
      attachments: (parts.attachments || []).map(function (a) {
        var item = { name: a.name, content_type: a.contentType };
        if (typeof a.contentBase64 === "string") item.content_base64 = a.contentBase64;
        if (a.size !== null && a.size !== undefined) item.size = a.size;
        if (a.inline) item.inline = true;
        return item;
      }),
      client: { app: "outlook", version: parts.version || "" },
      is_reply: false,
    };
  }

  // Two independent 32-bit FNV-1a passes: a stable, dependency-free
  // fingerprint (not a security boundary: sessionData stays on the item).
  function hash(text) {
    var a = 0x811c9dc5, b = 0x01000193 ^ 0x5bd1e995;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193) >>> 0;
      b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
    }
    return ("0000000" + a.toString(16)).slice(-8) + ("0000000" + b.toString(16)).slice(-8);
  }

  /**
   * What makes "the same unchanged message": recipients, subject, both body
   * parts, files and pasted pictures. Files go by name, size and whether
   * they are inline, not content: the send handler computes this before it
   * reads any content, so that an overridden message is not read again.
   */
  function messageFingerprint(request) {
    function field(list) {
      return (list || []).map(function (r) { return normalizeAddress(r.address) || r.name; }).join(",");
    }
    var files = (request.attachments || []).map(function (a) {
      return a.name + ":" + (a.size == null ? "" : a.size) + (a.inline ? ":inline" : "");
    });
    var body = request.body || {};
    return hash([
      "to=" + field(request.to), "cc=" + field(request.cc), "bcc=" + field(request.bcc),
      "subject=" + (request.subject || ""), "body=" + (body.text || ""), "html=" + (body.html || ""),
      "files=" + files.join("|"),
    ].join("\n"));
  }

  function strongestFinding(verdict) {
    var findings = (verdict && verdict.findings) || [];
    var best = null;
    findings.forEach(function (f) { if (!best || rank(f.action) > rank(best.action)) best = f; });
    return best;
  }

  var HEADLINES = {
    warn: "SafeSend warning",
    confirm: "SafeSend needs a reason before this message goes",
    block: "SafeSend stopped this message",
  };
  var HINTS = {
    warn: "Select Send Anyway to send it as it is, or open the SafeSend pane for one-click fixes.",
    confirm: "Open the SafeSend pane to fix it in one click, or give a reason to send it as it is.",
    block: "Open the SafeSend pane to fix it. It cannot be sent as it is.",
  };

  function escapeMarkdown(text) {
    return String(text).replace(/([\\`*_{}\[\]()#+\-.!|>~])/g, "\\$1");
  }

  function alertText(verdict) {
    var action = verdict.action;
    var finding = strongestFinding(verdict);
    var others = ((verdict.findings || []).length || 1) - 1;
    var title = finding ? finding.title : "This message needs a second look";
    var more = others > 0 ? " (and " + others + " more issue" + (others > 1 ? "s" : "") + ")" : "";
    var plain = HEADLINES[action] + ": " + title + more + ". " + HINTS[action];
    var markdown = "**" + HEADLINES[action] + "**\n\n" + escapeMarkdown(title + more) + ".\n\n" +
      escapeMarkdown(HINTS[action]);
    return { plain: truncate(plain, LIMITS.errorMessage), markdown: truncate(markdown, LIMITS.errorMessage) };
  }

  /**
   * The event.completed options for a verdict. `support` says which Mailbox
   * sets the client has: 1.14 adds cancelLabel/commandId/contextData and
   * sendModeOverride; 1.15 adds errorMessageMarkdown.
   */
  function completionFor(verdict, support, commandId) {
    var action = verdict && verdict.action;
    if (action === "allow") return { allowEvent: true };
    if (rank(action) < 0) return null;  // unknown answer: the caller applies the fail mode
    if (action === "warn" && !support.v114) {
      // Without sendModeOverride a SoftBlock dialog has no Send Anyway, which
      // would turn a warning into a block. The warning is recorded by the service.
      return { allowEvent: true };
    }
    var text = alertText(verdict);
    var options = { allowEvent: false, errorMessage: text.plain };
    if (support.v115) options.errorMessageMarkdown = text.markdown;
    if (support.v114) {
      options.cancelLabel = truncate(CANCEL_LABEL, LIMITS.cancelLabel);
      options.commandId = commandId;
      options.contextData = JSON.stringify({ check_id: verdict.check_id, action: action });
      if (action === "warn") options.sendModeOverride = "promptUser";
    }
    return options;
  }

  /** When the service cannot answer: the district's fail mode, never a hang. */
  function failModeCompletion(failMode, reason, support) {
    var why = reason ? " (" + reason + ")" : "";
    if (failMode === "closed") {
      return {
        allowEvent: false,
        errorMessage: truncate("SafeSend could not check this message" + why + ", and your district " +
          "holds messages until they are checked. Wait a minute and select Send again. If this keeps " +
          "happening, contact IT.", LIMITS.errorMessage),
      };
    }
    if (!support.v114) return { allowEvent: true };
    return {
      allowEvent: false,
      sendModeOverride: "promptUser",
      errorMessage: truncate("SafeSend could not check this message" + why + ". Your district lets " +
        "you send unchecked messages when SafeSend is unavailable: select Send Anyway, or wait and " +
        "try again.", LIMITS.errorMessage),
    };
  }

  /**
   * Move everyone but the sender out of To and Cc into Bcc. Returns the
   * calls to make, or a reason when Bcc would hold more than a field can.
   */
  function planMoveToBcc(fields, sender, fieldLimit) {
    var limit = fieldLimit || LIMITS.recipientsPerField;
    var me = normalizeAddress(sender);
    var inBcc = {};
    (fields.bcc || []).forEach(function (r) { inBcc[normalizeAddress(r.emailAddress)] = true; });
    var moving = [];
    (fields.to || []).concat(fields.cc || []).forEach(function (r) {
      var key = normalizeAddress(r.emailAddress) || r.displayName;
      if (key === me || inBcc[key]) return;
      inBcc[key] = true;
      moving.push({ emailAddress: r.emailAddress, displayName: r.displayName || "" });
    });
    var total = (fields.bcc || []).length + moving.length;
    if (total > limit) {
      return {
        ok: false, moving: moving.length, total: total,
        reason: "Bcc would hold " + total + " recipients, but Outlook allows " + limit +
          " in one field. Send to a distribution list, or split the recipients into several messages.",
      };
    }
    return {
      ok: true, moving: moving.length, total: total,
      addToBcc: chunk(moving, LIMITS.recipientsPerCall),
      newTo: me ? [{ emailAddress: sender, displayName: "" }] : [],
    };
  }

  /** The request's names of the pictures pasted into the body (kept with the verdict for the pane). */
  function inlineNames(request) {
    return (request.attachments || []).filter(function (a) { return a.inline; }).map(function (a) { return a.name; });
  }

  /**
   * Buttons each finding offers, in the order the pane shows them.
   * `inline` lists the names that are pictures in the body, not files.
   */
  function fixesFor(finding, inline) {
    var out = [];
    (finding.fixes || []).forEach(function (fix) {
      if (fix === "move_to_bcc") out.push({ kind: "move_to_bcc", label: "Move everyone to Bcc" });
      if (fix === "remove_attachment") {
        (finding.attachments || []).forEach(function (name) {
          var picture = (inline || []).indexOf(name) >= 0;
          out.push({ kind: "remove_attachment", attachment: name,
            label: (picture ? "Remove the picture " + name + " from the body" : "Remove attachment " + name) });
        });
      }
    });
    return out;
  }

  var SUMMARIES = {
    allow: "SafeSend found nothing to fix. Select Send when you are ready.",
    warn: "You can send it anyway, or fix it first with a button below.",
    confirm: "Fix it with a button below, or give a reason to send it as it is.",
    block: "It cannot be sent as it is. Fix it with a button below, then select Send again.",
  };

  function summaryFor(action) {
    return SUMMARIES[action] || "SafeSend could not judge this message.";
  }

  function parseJson(text) {
    if (!text || typeof text !== "string") return null;
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function supportFrom(requirements) {
    function has(v) {
      try { return Boolean(requirements && requirements.isSetSupported("Mailbox", v)); } catch (e) { return false; }
    }
    return { v112: has("1.12"), v114: has("1.14"), v115: has("1.15") };
  }

  /** Calls fn once; later calls are ignored (event.completed must run exactly once). */
  function once(fn) {
    var done = false;
    return function (value) {
      if (done) return false;
      done = true;
      fn(value);
      return true;
    };
  }

  return {
    LIMITS: LIMITS, SESSION_KEYS: SESSION_KEYS, CANCEL_LABEL: CANCEL_LABEL,
    rank: rank, truncate: truncate, chunk: chunk, normalizeAddress: normalizeAddress,
    toApiRecipients: toApiRecipients, requestNames: requestNames, planAttachments: planAttachments,
    inlineNames: inlineNames,
    buildCheckRequest: buildCheckRequest, messageFingerprint: messageFingerprint,
    strongestFinding: strongestFinding, alertText: alertText, escapeMarkdown: escapeMarkdown,
    completionFor: completionFor, failModeCompletion: failModeCompletion,
    planMoveToBcc: planMoveToBcc, fixesFor: fixesFor, summaryFor: summaryFor,
    parseJson: parseJson, supportFrom: supportFrom, once: once,
  };
});
