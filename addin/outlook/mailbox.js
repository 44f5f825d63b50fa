/*
 * SafeSend add-in: the Office and network edges, as promises.
 *
 * Each function wraps one Office callback API or one HTTP call and takes
 * what it needs as arguments (office, item, fetch), so the send handler and
 * the task pane stay short orchestrations and Node tests can pass fakes.
 * Plain script for the same reason as core.js.
 */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./core.js"), root);
  } else {
    root.SafeSendMailbox = factory(root.SafeSendCore, root);
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function (core, root) {
  "use strict";

  var AUTH_TIMEOUT_MS = 2000;
  var CONFIG_TIMEOUT_MS = 2000;

  function officeError(error, fallback) {
    var err = new Error((error && error.message) || fallback || "Outlook refused the request");
    err.code = error && (error.name || error.code);
    return err;
  }

  /** Office's callback style -> a promise of asyncResult.value. */
  function officeCall(invoke) {
    return new Promise(function (resolve, reject) {
      try {
        invoke(function (result) {
          if (result && result.status === "failed") reject(officeError(result.error));
          else resolve(result ? result.value : undefined);
        });
      } catch (e) {
        reject(e);
      }
    });
  }

  function withTimeout(promise, ms, kind) {
    var timer;
    var timeout = new Promise(function (_, reject) {
      timer = setTimeout(function () {
        var err = new Error("no answer within " + Math.round(ms / 100) / 10 + " s");
        err.kind = kind || "timeout";
        reject(err);
      }, ms);
    });
    return Promise.race([promise, timeout]).then(
      function (v) { clearTimeout(timer); return v; },
      function (e) { clearTimeout(timer); throw e; });
  }

  // ---- reading the item -------------------------------------------------

  function readRecipients(item, field) {
    return officeCall(function (cb) { item[field].getAsync(cb); });
  }

  function readSubject(item) {
    return officeCall(function (cb) { item.subject.getAsync(cb); });
  }

  function readBodyText(item) {
    return officeCall(function (cb) { item.body.getAsync("text", cb); });
  }

  /**
   * The HTML body (Mailbox 1.1; Office.CoercionType.Html is the string
   * "html"). A client that cannot give it still has the text body checked,
   * so a failure here is null, not a failed check.
   */
  function readBodyHtml(item) {
    return officeCall(function (cb) { item.body.getAsync("html", cb); }).then(
      function (html) { return typeof html === "string" && html ? html : null; },
      function () { return null; });
  }

  function listAttachments(item) {
    return officeCall(function (cb) { item.getAttachmentsAsync(cb); });
  }

  /** Base64 content of a file attachment, or null (cloud links, items, errors). */
  function readAttachmentBase64(item, id) {
    return officeCall(function (cb) { item.getAttachmentContentAsync(id, cb); }).then(
      function (value) { return value && value.format === "base64" ? value.content : null; },
      function () { return null; });
  }

  function readMessageParts(office) {
    var mailbox = office.context.mailbox;
    var item = mailbox.item;
    return Promise.all([
      readRecipients(item, "to"), readRecipients(item, "cc"), readRecipients(item, "bcc"),
      readSubject(item), readBodyText(item), readBodyHtml(item), listAttachments(item),
    ]).then(function (v) {
      return {
        sender: mailbox.userProfile.emailAddress, to: v[0], cc: v[1], bcc: v[2],
        subject: v[3], bodyText: v[4], bodyHtml: v[5], attachmentDetails: v[6],
      };
    });
  }

  /** Reads the planned attachments' content in parallel; unreadable ones go without. */
  function readAttachmentContents(item, plan) {
    return Promise.all(plan.map(function (entry) {
      if (!entry.readContent) return Promise.resolve(entry);
      return readAttachmentBase64(item, entry.id).then(function (content) {
        var copy = Object.assign({}, entry);
        if (content !== null) copy.contentBase64 = content;
        return copy;
      });
    }));
  }

  // ---- session data: per item, for this compose session -----------------

  function readSession(item, key) {
    if (!item.sessionData) return Promise.resolve(null);
    return officeCall(function (cb) { item.sessionData.getAsync(key, cb); }).then(
      function (value) { return core.parseJson(value); },
      function () { return null; });  // a missing key is an error in some clients
  }

  function writeSession(item, key, value) {
    if (!item.sessionData) return Promise.resolve(false);
    return officeCall(function (cb) { item.sessionData.setAsync(key, JSON.stringify(value), cb); })
      .then(function () { return true; }, function () { return false; });
  }

  function initializationContext(item) {
    if (typeof item.getInitializationContextAsync !== "function") return Promise.resolve(null);
    return officeCall(function (cb) { item.getInitializationContextAsync(cb); }).then(
      function (value) { return core.parseJson(value); },
      function () { return null; });
  }

  // ---- changing the item ------------------------------------------------

  /**
   * The verdict's X-SafeSend stamp as an internet header (Mailbox 1.8), so
   * the mail-flow gate does not check this content again. Best effort: a
   * client without internetHeaders sends without it and the gate checks.
   */
  function setStamp(item, stamp) {
    if (!stamp || !item.internetHeaders || typeof item.internetHeaders.setAsync !== "function") {
      return Promise.resolve(false);
    }
    return officeCall(function (cb) { item.internetHeaders.setAsync({ "X-SafeSend": stamp }, cb); })
      .then(function () { return true; }, function () { return false; });
  }

  /**
   * Bcc first, then To/Cc: if a call fails half way, someone may be listed
   * twice, but nobody is dropped from the message.
   */
  function moveEveryoneToBcc(office, fieldLimit) {
    var item = office.context.mailbox.item;
    var sender = office.context.mailbox.userProfile.emailAddress;
    return Promise.all([readRecipients(item, "to"), readRecipients(item, "cc"), readRecipients(item, "bcc")])
      .then(function (v) {
        var plan = core.planMoveToBcc({ to: v[0], cc: v[1], bcc: v[2] }, sender, fieldLimit);
        if (!plan.ok) return plan;
        return plan.addToBcc.reduce(function (done, batch) {
          return done.then(function () { return officeCall(function (cb) { item.bcc.addAsync(batch, cb); }); });
        }, Promise.resolve()).then(function () {
          return officeCall(function (cb) { item.to.setAsync(plan.newTo, cb); });
        }).then(function () {
          return officeCall(function (cb) { item.cc.setAsync([], cb); });
        }).then(function () { return plan; });
      });
  }

  /**
   * Removes the attachment or pasted picture a finding names. The finding
   * uses the request's names (core.requestNames: "image (2).png" for the
   * second pasted "image.png"), so the current list is named the same way
   * to find its id; removeAttachmentAsync takes inline pictures' ids too.
   */
  function removeAttachmentNamed(item, name) {
    return listAttachments(item).then(function (list) {
      var names = core.requestNames(list);
      var matches = (list || []).filter(function (a, i) { return names[i] === name; });
      return matches.reduce(function (done, a) {
        return done.then(function () { return officeCall(function (cb) { item.removeAttachmentAsync(a.id, cb); }); });
      }, Promise.resolve()).then(function () { return matches.length; });
    });
  }

  // ---- the SafeSend API -------------------------------------------------

  /**
   * fetch with a hard bound: abort the request when AbortController exists
   * (it may not in every runtime) and stop waiting either way.
   */
  function fetchJson(fetchImpl, url, init, timeoutMs) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var options = Object.assign({}, init);
    if (controller) options.signal = controller.signal;
    var request = Promise.resolve().then(function () { return fetchImpl(url, options); }).then(
      function (response) {
        return response.text().then(function (text) {
          return { status: response.status, body: core.parseJson(text) };
        });
      },
      function (error) {
        var err = new Error("the SafeSend service cannot be reached");
        err.kind = "network";
        err.cause = error;
        throw err;
      });
    return withTimeout(request, timeoutMs, "timeout").catch(function (error) {
      if (controller && error.kind === "timeout") controller.abort();
      throw error;
    });
  }

  function apiUrl(config, path) {
    return String(config.apiBase || "").replace(/\/+$/, "") + path;
  }

  function jsonHeaders(authorization) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (authorization) headers.Authorization = authorization;
    return headers;
  }

  /**
   * The one place that decides how the add-in proves who is calling:
   * 1. Nested App Authentication (MSAL.js, when the page loaded it),
   * 2. Office single sign-on (Office.auth.getAccessToken), without prompts
   *    in the send handler,
   * 3. a development API key from the served configuration.
   * Returns "Bearer ..." or null.
   */
  function acquireAuthorization(office, config, options) {
    var interactive = Boolean(options && options.interactive);
    var attempts = [];
    var msal = root && root.msal;
    if (config.entraClientId && config.apiScope && msal && msal.createNestablePublicClientApplication) {
      attempts.push(function () {
        return msal.createNestablePublicClientApplication({ auth: { clientId: config.entraClientId } })
          .then(function (pca) { return pca.acquireTokenSilent({ scopes: [config.apiScope] }); })
          .then(function (result) { return result.accessToken; });
      });
    }
    if (config.entraClientId && office && office.auth && office.auth.getAccessToken) {
      attempts.push(function () {
        return office.auth.getAccessToken({
          allowSignInPrompt: interactive, allowConsentPrompt: interactive, forMSGraphAccess: false,
        });
      });
    }
    return attempts.reduce(function (found, attempt) {
      return found.then(function (token) {
        if (token) return token;
        return withTimeout(Promise.resolve().then(attempt), AUTH_TIMEOUT_MS, "auth")
          .catch(function () { return null; });
      });
    }, Promise.resolve(null)).then(function (token) {
      if (token) return "Bearer " + token;
      return config.devApiKey ? "Bearer " + config.devApiKey : null;
    });
  }

  /** The tenant's client settings; the served defaults when the service does not answer. */
  function loadClientConfig(fetchImpl, config, authorization) {
    var defaults = Object.assign({}, config.defaults || {});
    return fetchJson(fetchImpl, apiUrl(config, "/api/v1/client-config"),
      { method: "GET", headers: jsonHeaders(authorization) }, CONFIG_TIMEOUT_MS)
      .then(function (answer) {
        return answer.status === 200 && answer.body ? Object.assign(defaults, answer.body) : defaults;
      }, function () { return defaults; });
  }

  function requestCheck(fetchImpl, config, authorization, request, timeoutMs) {
    return fetchJson(fetchImpl, apiUrl(config, "/api/v1/checks"),
      { method: "POST", headers: jsonHeaders(authorization), body: JSON.stringify(request) }, timeoutMs)
      .then(function (answer) {
        if (answer.status === 200 && answer.body && answer.body.action) return answer.body;
        var err = new Error(answerProblem(answer));
        err.kind = "answer";
        err.status = answer.status;
        throw err;
      });
  }

  function postOverride(fetchImpl, config, authorization, checkId, justification, timeoutMs) {
    return fetchJson(fetchImpl, apiUrl(config, "/api/v1/checks/" + encodeURIComponent(checkId) + "/overrides"),
      { method: "POST", headers: jsonHeaders(authorization), body: JSON.stringify({ justification: justification }) },
      timeoutMs);
  }

  function answerProblem(answer) {
    if (answer.status === 401) return "SafeSend could not sign you in";
    if (answer.status === 403) return "SafeSend refused this account";
    var message = answer.body && answer.body.error && answer.body.error.message;
    return message ? "the service answered: " + message : "the service answered " + answer.status;
  }

  return {
    officeCall: officeCall, withTimeout: withTimeout,
    readRecipients: readRecipients, readMessageParts: readMessageParts,
    readAttachmentContents: readAttachmentContents, listAttachments: listAttachments,
    readSession: readSession, writeSession: writeSession, initializationContext: initializationContext,
    moveEveryoneToBcc: moveEveryoneToBcc, removeAttachmentNamed: removeAttachmentNamed,
    fetchJson: fetchJson, acquireAuthorization: acquireAuthorization, loadClientConfig: loadClientConfig,
    requestCheck: requestCheck, postOverride: postOverride, setStamp: setStamp,
  };
});
