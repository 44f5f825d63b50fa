/*
 * A stand-in for the parts of Office.js that SafeSend uses, faithful to the
 * documented behaviour where it matters to us:
 *   - every *Async call answers later (never synchronously) with an
 *     AsyncResult {status: "succeeded"|"failed", value, error};
 *   - Recipients.setAsync/addAsync take at most 100 recipients a call and a
 *     field holds at most 500 (Outlook on the web, new Outlook, Mac);
 *   - body.getAsync("html") answers the item's HTML body (seed item.html),
 *     or the text body wrapped in <p> when the seed has none;
 *   - getAttachmentsAsync lists inline pictures too (isInline: true), and
 *     getAttachmentContentAsync/removeAttachmentAsync take their ids;
 *   - getAttachmentContentAsync answers base64 for files, a URL for cloud
 *     attachments and EML for attached items;
 *   - sessionData holds strings, at most 50,000 characters per add-in;
 *   - event.completed options are checked against the documented limits
 *     and requirement sets, and any breach is recorded in `violations`;
 *   - completing with a known commandId stores contextData as the task
 *     pane's initialization context (what "Review and fix" does);
 *   - item.delayDeliveryTime (Mailbox 1.13, Compose): getAsync answers the
 *     delivery Date, or 0 when none is set; setAsync takes a Date (else
 *     InvalidFormatError). Delayed delivery still starts with Send, so
 *     fireSend runs OnMessageSend as usual; a send that is allowed records
 *     `deliverAt`, the time the server will deliver it (null: at once).
 * Used by the Node tests (require) and the browser tests (served as office.js).
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.FakeOutlook = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  var PER_CALL = 100;
  var PER_FIELD = 500;
  var SESSION_LIMIT = 50000;
  var SET_OF_OPTION = {
    allowEvent: "1.12", errorMessage: "1.12", cancelLabel: "1.14", commandId: "1.14",
    contextData: "1.14", sendModeOverride: "1.14", errorMessageMarkdown: "1.15",
  };

  function versionAtLeast(have, want) {
    var a = String(have).split("."), b = String(want).split(".");
    for (var i = 0; i < Math.max(a.length, b.length); i++) {
      var x = Number(a[i] || 0), y = Number(b[i] || 0);
      if (x !== y) return x > y;
    }
    return true;
  }

  function copy(value) { return JSON.parse(JSON.stringify(value)); }

  function createFakeOffice(seed) {
    seed = seed || {};
    var state = {
      user: seed.user || { emailAddress: "teacher@district.example.org", displayName: "Ms. Teacher" },
      mailboxVersion: seed.mailboxVersion || "1.15",
      commandIds: seed.commandIds || [],
      item: {
        to: (seed.item && seed.item.to) || [], cc: (seed.item && seed.item.cc) || [],
        bcc: (seed.item && seed.item.bcc) || [], subject: (seed.item && seed.item.subject) || "",
        body: (seed.item && seed.item.body) || "", html: (seed.item && seed.item.html) || null,
        attachments: (seed.item && seed.item.attachments) || [],
        sessionData: (seed.item && seed.item.sessionData) || {},
        internetHeaders: {},
        // Milliseconds since the epoch (JSON-safe between pages); 0: deliver at once.
        delayDeliveryTime: (seed.item && seed.item.delayDeliveryTime) || 0,
        initializationContext: seed.item && seed.item.initializationContext !== undefined
          ? seed.item.initializationContext : null,
      },
      calls: [], completed: [], violations: [],
    };
    var handlers = {};
    var userDomain = state.user.emailAddress.split("@")[1];

    function later(fn) { setTimeout(fn, 0); }

    function answer(callback, options, value, error) {
      if (typeof callback !== "function") return;
      var result = error
        ? { status: "failed", error: error, value: undefined }
        : { status: "succeeded", value: value };
      result.asyncContext = options && options.asyncContext;
      later(function () { callback(result); });
    }

    // (a, b, [options], [callback]) -> {args, options, callback}
    function split(args, fixed) {
      var list = Array.prototype.slice.call(args);
      var callback = typeof list[list.length - 1] === "function" ? list.pop() : null;
      var options = list.length > fixed ? list[fixed] : null;
      return { args: list.slice(0, fixed), options: options, callback: callback };
    }

    function fail(name, message) { return { name: name, message: message, code: 9000 }; }

    function toDetails(recipient) {
      var address = typeof recipient === "string" ? recipient : recipient.emailAddress;
      var name = typeof recipient === "string" ? recipient : (recipient.displayName || address);
      var domain = String(address).split("@")[1] || "";
      return {
        emailAddress: address, displayName: name,
        recipientType: recipient.recipientType || (domain === userDomain ? "user" : "externalUser"),
      };
    }

    function recipients(field) {
      return {
        getAsync: function () {
          var a = split(arguments, 0);
          state.calls.push({ api: field + ".getAsync" });
          answer(a.callback, a.options, copy(state.item[field].map(toDetails)));
        },
        setAsync: function () {
          var a = split(arguments, 1), list = a.args[0] || [];
          state.calls.push({ api: field + ".setAsync", count: list.length });
          if (list.length > PER_CALL || list.length > PER_FIELD) {
            return answer(a.callback, a.options, null,
              fail("NumberOfRecipientsExceeded", "The number of recipients exceeded " + PER_CALL + " entries."));
          }
          state.item[field] = list.map(toDetails);
          answer(a.callback, a.options);
        },
        addAsync: function () {
          var a = split(arguments, 1), list = a.args[0] || [];
          state.calls.push({ api: field + ".addAsync", count: list.length });
          if (list.length > PER_CALL || state.item[field].length + list.length > PER_FIELD) {
            return answer(a.callback, a.options, null,
              fail("NumberOfRecipientsExceeded", "Too many recipients for one call or one field."));
          }
          state.item[field] = state.item[field].concat(list.map(toDetails));
          answer(a.callback, a.options);
        },
      };
    }

    function attachmentDetails(a) {
      return {
        id: a.id, name: a.name, contentType: a.contentType || "application/octet-stream",
        size: a.size, attachmentType: a.attachmentType || "file", isInline: Boolean(a.isInline),
      };
    }

    function findAttachment(id) {
      for (var i = 0; i < state.item.attachments.length; i++) {
        if (state.item.attachments[i].id === id) return i;
      }
      return -1;
    }

    function sessionSize(extraKey, extraValue) {
      var total = 0;
      Object.keys(state.item.sessionData).forEach(function (k) {
        if (k !== extraKey) total += k.length + String(state.item.sessionData[k]).length;
      });
      return total + (extraKey ? extraKey.length + String(extraValue).length : 0);
    }

    var item = {
      itemType: "message",
      conversationId: null,
      to: recipients("to"), cc: recipients("cc"), bcc: recipients("bcc"),
      subject: {
        getAsync: function () {
          var a = split(arguments, 0);
          answer(a.callback, a.options, state.item.subject);
        },
      },
      body: {
        getAsync: function () {
          var a = split(arguments, 1), coercion = a.args[0];
          state.calls.push({ api: "body.getAsync", coercion: coercion });
          var text = state.item.body;
          if (coercion !== "html") return answer(a.callback, a.options, text);
          answer(a.callback, a.options, state.item.html || "<p>" + text.replace(/</g, "&lt;") + "</p>");
        },
      },
      getAttachmentsAsync: function () {
        var a = split(arguments, 0);
        answer(a.callback, a.options, state.item.attachments.map(attachmentDetails));
      },
      getAttachmentContentAsync: function () {
        var a = split(arguments, 1), index = findAttachment(a.args[0]);
        state.calls.push({ api: "getAttachmentContentAsync", id: a.args[0] });
        if (index < 0) return answer(a.callback, a.options, null, fail("InvalidAttachmentId", "No such attachment."));
        var found = state.item.attachments[index];
        var type = found.attachmentType || "file";
        var value = type === "cloud" ? { format: "url", content: found.url || "https://files.example/x" }
          : type === "item" ? { format: "eml", content: "Subject: attached item\r\n\r\n" }
            : { format: "base64", content: found.contentBase64 || "" };
        answer(a.callback, a.options, value);
      },
      removeAttachmentAsync: function () {
        var a = split(arguments, 1), index = findAttachment(a.args[0]);
        state.calls.push({ api: "removeAttachmentAsync", id: a.args[0] });
        if (index < 0) return answer(a.callback, a.options, null, fail("InvalidAttachmentId", "No such attachment."));
        state.item.attachments.splice(index, 1);
        answer(a.callback, a.options);
      },
      getInitializationContextAsync: function () {
        var a = split(arguments, 0);
        answer(a.callback, a.options, state.item.initializationContext);
      },
      // Mailbox 1.8: custom internet headers on the message being composed.
      internetHeaders: {
        setAsync: function () {
          var a = split(arguments, 1), headers = a.args[0];
          if (!headers || typeof headers !== "object") {
            return answer(a.callback, a.options, null, fail("InvalidArgument", "Headers must be an object."));
          }
          Object.keys(headers).forEach(function (name) { state.item.internetHeaders[name] = String(headers[name]); });
          answer(a.callback, a.options);
        },
        getAsync: function () {
          var a = split(arguments, 1), out = {};
          (a.args[0] || []).forEach(function (name) {
            if (Object.prototype.hasOwnProperty.call(state.item.internetHeaders, name)) out[name] = state.item.internetHeaders[name];
          });
          answer(a.callback, a.options, out);
        },
      },
      sessionData: {
        getAsync: function (name, callback) {
          if (!Object.prototype.hasOwnProperty.call(state.item.sessionData, name)) {
            return answer(callback, null, null, fail("InvalidSessionDataKey", "No such key."));
          }
          answer(callback, null, state.item.sessionData[name]);
        },
        setAsync: function () {
          var a = split(arguments, 2), name = a.args[0], value = a.args[1];
          if (typeof value !== "string") {
            return answer(a.callback, a.options, null, fail("InvalidDataFormat", "Values must be strings."));
          }
          if (sessionSize(name, value) > SESSION_LIMIT) {
            return answer(a.callback, a.options, null,
              fail("SessionObjectMaxLengthExceeded", "Session data is limited to 50,000 characters."));
          }
          state.item.sessionData[name] = value;
          answer(a.callback, a.options);
        },
        removeAsync: function () {
          var a = split(arguments, 1);
          delete state.item.sessionData[a.args[0]];
          answer(a.callback, a.options);
        },
        getAllAsync: function (callback) { answer(callback, null, copy(state.item.sessionData)); },
        clearAsync: function () {
          var a = split(arguments, 0);
          state.item.sessionData = {};
          answer(a.callback, a.options);
        },
      },
    };

    // Mailbox 1.13: the delivery date and time of the message being composed.
    if (versionAtLeast(state.mailboxVersion, "1.13")) {
      item.delayDeliveryTime = {
        getAsync: function () {
          var a = split(arguments, 0);
          state.calls.push({ api: "delayDeliveryTime.getAsync" });
          var when = state.item.delayDeliveryTime;
          answer(a.callback, a.options, when ? new Date(when) : 0);
        },
        setAsync: function () {
          var a = split(arguments, 1), when = a.args[0];
          state.calls.push({ api: "delayDeliveryTime.setAsync" });
          if (!(when instanceof Date) || isNaN(when.getTime())) {
            return answer(a.callback, a.options, null,
              fail("InvalidFormatError", "The format of the specified data object is not valid."));
          }
          state.item.delayDeliveryTime = when.getTime();
          answer(a.callback, a.options);
        },
      };
    }

    function checkCompletion(options) {
      var problems = [];
      Object.keys(options || {}).forEach(function (key) {
        var set = SET_OF_OPTION[key];
        if (!set) problems.push("unknown option " + key);
        else if (!versionAtLeast(state.mailboxVersion, set)) problems.push(key + " needs Mailbox " + set);
      });
      if (!options || typeof options.allowEvent !== "boolean") problems.push("allowEvent must be a boolean");
      if (options && options.errorMessage && options.errorMessage.length > 500) problems.push("errorMessage over 500");
      if (options && options.errorMessageMarkdown && options.errorMessageMarkdown.length > 500) {
        problems.push("errorMessageMarkdown over 500");
      }
      if (options && options.cancelLabel && options.cancelLabel.length > 20) problems.push("cancelLabel over 20");
      if (options && options.contextData !== undefined) {
        if (typeof options.contextData !== "string") problems.push("contextData must be a string (older Windows)");
        if (!options.commandId) problems.push("contextData without commandId is ignored");
      }
      if (options && options.sendModeOverride !== undefined && options.sendModeOverride !== "promptUser") {
        problems.push("sendModeOverride can only be promptUser");
      }
      if (options && options.allowEvent === false && !options.errorMessage) problems.push("blocked without a message");
      return problems;
    }

    function fireSend() {
      var handler = handlers.onMessageSendHandler;
      if (!handler) return Promise.reject(new Error("no handler associated for onMessageSendHandler"));
      var started = Date.now();
      return new Promise(function (resolve) {
        var event = {
          type: "olkMessageSend",
          completed: function (options) {
            var record = { options: copy(options || {}), ms: Date.now() - started };
            // Allowed: Outlook hands the message over, to go now or at its delivery time.
            record.deliverAt = options && options.allowEvent === true && state.item.delayDeliveryTime
              ? state.item.delayDeliveryTime : null;
            state.violations = state.violations.concat(checkCompletion(options));
            if (state.completed.length) state.violations.push("event.completed called twice");
            state.completed.push(record);
            if (options && options.commandId && state.commandIds.indexOf(options.commandId) >= 0) {
              state.item.initializationContext = options.contextData === undefined ? null : options.contextData;
            }
            resolve(record);
          },
        };
        handler(event);
      });
    }

    var readyInfo = { host: "Outlook", platform: seed.platform || "OfficeOnline" };
    var Office = {
      AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
      CoercionType: { Text: "text", Html: "html" },
      HostType: { Outlook: "Outlook" },
      PlatformType: { PC: "PC", OfficeOnline: "OfficeOnline", Mac: "Mac" },
      MailboxEnums: {
        SendModeOverride: { PromptUser: "promptUser" },
        AttachmentType: { File: "file", Item: "item", Cloud: "cloud" },
        AttachmentContentFormat: { Base64: "base64", Url: "url", Eml: "eml", ICalendar: "iCalendar" },
        RecipientType: { DistributionList: "distributionList", User: "user", ExternalUser: "externalUser", Other: "other" },
      },
      actions: {
        associate: function (name, fn) { handlers[name] = fn; },
      },
      auth: {
        getAccessToken: function () {
          // No Entra app registration here: Office answers "not configured".
          return Promise.reject({ code: 13000, name: "API Not Supported", message: "SSO is not configured." });
        },
      },
      context: {
        platform: readyInfo.platform,
        requirements: {
          isSetSupported: function (name, version) {
            return name === "Mailbox" && versionAtLeast(state.mailboxVersion, version || "1.1");
          },
        },
        mailbox: {
          userProfile: { emailAddress: state.user.emailAddress, displayName: state.user.displayName },
          item: item,
        },
      },
      onReady: function (callback) {
        return new Promise(function (resolve) {
          later(function () {
            if (callback) callback(readyInfo);
            resolve(readyInfo);
          });
        });
      },
    };

    return { Office: Office, state: state, fireSend: fireSend, handlers: handlers };
  }

  return { createFakeOffice: createFakeOffice, PER_CALL: PER_CALL, PER_FIELD: PER_FIELD };
});
