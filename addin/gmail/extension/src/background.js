/**
 * Background service worker: InboxSDK's page-world injection (its MV3
 * setup), and SafeSend's calls, made with the user's Google ID token (or,
 * for development only, an API key from the options page).
 */

import "@inboxsdk/core/background.js";

import { fetchCall } from "./core/service-client.js";
import { mergeSettings } from "./core/settings.js";
import { createIdTokenSource } from "./identity.js";

let tokenSource = null;

async function settings() {
  const managed = await chrome.storage.managed.get(null).catch(() => ({}));
  const local = (await chrome.storage.local.get("settings")).settings || {};
  return mergeSettings(managed, local);
}

function tokensFor(current) {
  const key = `${current.oauthClientId}|${current.workspaceDomains[0] || ""}`;
  if (!tokenSource || tokenSource.key !== key) {
    tokenSource = createIdTokenSource({ identity: chrome.identity, clientId: current.oauthClientId,
      domain: current.workspaceDomains[0] || "" });
    tokenSource.key = key;
  }
  return tokenSource;
}

async function call({ account, method, path, body, timeoutMs }) {
  const current = await settings();
  if (!current.serviceUrl) return { ok: false, kind: "not_configured" };
  const request = (token) => fetchCall({ fetch, baseUrl: current.serviceUrl, token, method, path, body, timeoutMs });
  if (!current.oauthClientId && current.apiKey) return request(current.apiKey);
  const tokens = tokensFor(current);
  let token;
  try {
    token = await tokens.token(account);
  } catch (error) {
    return { ok: false, kind: "auth", message: String(error && error.message || error) };
  }
  const result = await request(token);
  if (result.kind === "auth" && result.code === "token_expired") {
    tokens.forget(account);
    return request(await tokens.token(account));
  }
  return result;
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!message || message.type !== "safesend:call" || sender.id !== chrome.runtime.id) return false;
  call(message).then(sendResponse, (error) => sendResponse({ ok: false, kind: "network", message: String(error) }));
  return true; // answer asynchronously
});
