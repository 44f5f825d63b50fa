/*
 * SafeSend send handler (Smart Alerts, OnMessageSend).
 *
 * Classic Outlook on Windows loads this one file into a JavaScript-only
 * runtime: no DOM, no modules, no localStorage. The service therefore serves
 * it with its configuration (SafeSendConfig), core.js and mailbox.js
 * prepended, and this file only orchestrates their helpers. Every path ends
 * in exactly one event.completed call, within a bounded time.
 */
/* global Office */
(function (root) {
  "use strict";

  var core = root.SafeSendCore;
  var mailbox = root.SafeSendMailbox;
  // Outlook shows "taking longer than expected" after 5 s; the check call has
  // its own timeout, and this margin covers the Office calls around it.
  var WATCHDOG_MARGIN_MS = 2500;

  function settings() {
    return root.SafeSendConfig || { defaults: { fail_mode: "open", timeout_seconds: 4 } };
  }

  function timeoutMs(clientConfig) {
    var seconds = Number(clientConfig && clientConfig.timeout_seconds) || 4;
    return Math.round(seconds * 1000);
  }

  function reasonOf(error) {
    if (error && error.kind === "timeout") return "the service did not answer in time";
    if (error && error.kind === "network") return "the service cannot be reached";
    return (error && error.message) || "an unexpected error";
  }

  /** A timer that can be re-armed when the tenant's own timeout is known. */
  function watchdog(onExpire) {
    var timer = null;
    return {
      arm: function (ms) { clearTimeout(timer); timer = setTimeout(onExpire, ms); },
      stop: function () { clearTimeout(timer); },
    };
  }

  async function checkItem(office, config, support, onClientConfig) {
    var item = office.context.mailbox.item;
    var fetchImpl = root.fetch.bind(root);
    var gathered = await Promise.all([
      mailbox.readMessageParts(office),
      mailbox.acquireAuthorization(office, config, { interactive: false }).then(function (authorization) {
        return mailbox.loadClientConfig(fetchImpl, config, authorization).then(function (clientConfig) {
          return { authorization: authorization, clientConfig: clientConfig };
        });
      }),
      mailbox.readSession(item, core.SESSION_KEYS.override),
      mailbox.readSession(item, core.SESSION_KEYS.verdict),
    ]);
    var parts = gathered[0];
    var authorization = gathered[1].authorization;
    var clientConfig = gathered[1].clientConfig;
    var override = gathered[2];
    var held = gathered[3];
    onClientConfig(clientConfig);

    var plan = core.planAttachments(parts.attachmentDetails, clientConfig.max_attachment_bytes);
    var request = core.buildCheckRequest(Object.assign({}, parts, { attachments: plan, version: config.version }));
    var fingerprint = core.messageFingerprint(request);
    if (override && override.fingerprint === fingerprint) {
      // The sender gave a justification for exactly this message in the pane.
      if (held && held.check_id === override.check_id && held.verdict) {
        await mailbox.setStamp(item, held.verdict.stamp);
      }
      return { allowEvent: true };
    }

    request.attachments = core.buildCheckRequest({
      attachments: await mailbox.readAttachmentContents(item, plan),
    }).attachments;
    var verdict = await mailbox.requestCheck(fetchImpl, config, authorization, request, timeoutMs(clientConfig));
    if (verdict.action === "allow" || verdict.action === "warn") {
      // The mail-flow gate (issue 14) lets stamped content through without a second check.
      await mailbox.setStamp(item, verdict.stamp);
    }
    if (verdict.action !== "allow") {
      // The pane reads the findings from here: the service keeps no message content.
      await mailbox.writeSession(item, core.SESSION_KEYS.verdict,
        { check_id: verdict.check_id, fingerprint: fingerprint, verdict: verdict, inline: core.inlineNames(request) });
    }
    return core.completionFor(verdict, support, config.commandId) ||
      core.failModeCompletion(clientConfig.fail_mode, "the service gave an answer this add-in does not know", support);
  }

  async function onMessageSendHandler(event) {
    var config = settings();
    var support = core.supportFrom(Office.context.requirements);
    var clientConfig = Object.assign({}, config.defaults);
    var finish = core.once(function (options) { event.completed(options); });
    var timer = watchdog(function () {
      finish(core.failModeCompletion(clientConfig.fail_mode, "the check took too long", support));
    });
    timer.arm(timeoutMs(clientConfig) + WATCHDOG_MARGIN_MS);
    try {
      finish(await checkItem(Office, config, support, function (fresh) {
        clientConfig = fresh;
        timer.arm(timeoutMs(fresh) + WATCHDOG_MARGIN_MS);
      }));
    } catch (error) {
      finish(core.failModeCompletion(clientConfig.fail_mode, reasonOf(error), support));
    } finally {
      timer.stop();
    }
  }

  root.onMessageSendHandler = onMessageSendHandler;
  if (typeof Office !== "undefined" && Office.actions) {
    // The manifest's LaunchEvent FunctionName; classic Windows needs this mapping.
    Office.actions.associate("onMessageSendHandler", onMessageSendHandler);
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
