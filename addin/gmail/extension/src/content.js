/**
 * Content script on mail.google.com: load InboxSDK (bundled, never fetched)
 * with the district's app id, and guard Send for district accounts. Calls
 * to SafeSend go through the background worker, which holds the sign-in.
 */

import * as InboxSDK from "@inboxsdk/core";

import { createServiceClient } from "./core/service-client.js";
import { isGuardedAccount, mergeSettings, missingSettings } from "./core/settings.js";
import { startSafeSend } from "./safesend.js";

const VERSION = __SAFESEND_VERSION__;
const MESSAGE_SLACK_MS = 1500;

async function readSettings() {
  const managed = await chrome.storage.managed.get(null).catch(() => ({}));
  const local = (await chrome.storage.local.get("settings")).settings || {};
  return mergeSettings(managed, local);
}

/** A service client whose calls the background worker makes for this account. */
function backgroundClient(account) {
  return createServiceClient((method, path, body, timeoutMs) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, kind: "timeout", seconds: timeoutMs / 1000 }),
      timeoutMs + MESSAGE_SLACK_MS);
    chrome.runtime.sendMessage({ type: "safesend:call", account, method, path, body, timeoutMs }).then(
      (result) => resolve(result || { ok: false, kind: "network", message: "no answer from the extension" }),
      (error) => resolve({ ok: false, kind: "network", message: String(error && error.message || error) }),
    ).finally(() => clearTimeout(timer));
  }));
}

/** Remembers the last client settings per account, so the fail mode is known offline. */
function storedClientConfig(account) {
  const key = `clientConfig:${account}`;
  return {
    async load() {
      return (await chrome.storage.local.get(key))[key] || null;
    },
    save(value) {
      return chrome.storage.local.set({ [key]: value });
    },
  };
}

async function main() {
  const settings = await readSettings();
  const missing = missingSettings(settings);
  if (missing.length) {
    console.warn(`SafeSend is not set up (missing ${missing.join(", ")}): messages are not checked.`);
    return;
  }
  const sdk = await InboxSDK.load(2, settings.inboxSdkAppId);
  const account = sdk.User.getEmailAddress();
  if (!isGuardedAccount(account, settings.workspaceDomains)) return;
  startSafeSend({
    sdk, client: backgroundClient(account), settings, doc: document, fetch: window.fetch.bind(window),
    version: VERSION, store: storedClientConfig(account),
  });
}

main().catch((error) => console.error("SafeSend could not start:", error));
