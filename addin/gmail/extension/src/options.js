/** Options page: settings for unmanaged installs; policy-set values are shown and locked. */

import { DEFAULTS, mergeSettings, missingSettings, normalizeServiceUrl } from "./core/settings.js";

const FIELDS = ["serviceUrl", "inboxSdkAppId", "oauthClientId", "workspaceDomains", "failMode",
  "timeoutSeconds", "supportContact", "apiKey"];

async function load() {
  const managed = await chrome.storage.managed.get(null).catch(() => ({}));
  const local = (await chrome.storage.local.get("settings")).settings || {};
  const merged = mergeSettings(managed, local);
  for (const name of FIELDS) {
    const input = document.getElementById(name);
    const value = merged[name];
    input.value = Array.isArray(value) ? value.join(", ") : String(value ?? DEFAULTS[name]);
    input.disabled = merged.managedKeys.includes(name);
  }
  document.getElementById("managed").hidden = merged.managedKeys.length === 0;
  report(merged);
}

function report(merged) {
  const missing = missingSettings(merged);
  document.getElementById("status").textContent = missing.length
    ? `Not ready: set ${missing.join(", ")}.` : "Ready: SafeSend checks messages when you press Send.";
}

async function save(event) {
  event.preventDefault();
  const values = {};
  for (const name of FIELDS) {
    const input = document.getElementById(name);
    if (!input.disabled) values[name] = input.value.trim();
  }
  if (values.serviceUrl && !normalizeServiceUrl(values.serviceUrl)) {
    document.getElementById("status").textContent = "The SafeSend address must be an https:// URL.";
    return;
  }
  await chrome.storage.local.set({ settings: values });
  await load();
}

document.getElementById("form").addEventListener("submit", save);
load();
