/**
 * The extension's settings: what Workspace admins set by policy
 * (chrome.storage.managed, see static/schema.json) wins over what a user
 * typed in the options page; the service's own client settings
 * (GET /api/v1/client-config) win over both once it has answered.
 */

export const DEFAULTS = Object.freeze({
  serviceUrl: "",
  inboxSdkAppId: "",
  oauthClientId: "",
  workspaceDomains: [],
  failMode: "open",
  timeoutSeconds: 4,
  supportContact: "",
  apiKey: "",
});

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The service URL without a trailing slash, or null when it is not a usable https URL. */
export function normalizeServiceUrl(value) {
  let url;
  try {
    url = new URL(String(value || "").trim());
  } catch {
    return null;
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) return null;
  if (url.search || url.hash) return null;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

function domainList(value) {
  const items = Array.isArray(value) ? value : String(value || "").split(",");
  return items.map((d) => String(d).trim().toLowerCase().replace(/^@/, "")).filter(Boolean);
}

/** Managed keys override local ones, key by key; unknown keys are dropped. */
export function mergeSettings(managed, local) {
  const merged = { ...DEFAULTS };
  for (const source of [local || {}, managed || {}]) {
    for (const key of Object.keys(DEFAULTS)) {
      if (source[key] !== undefined && source[key] !== null && source[key] !== "") merged[key] = source[key];
    }
  }
  merged.serviceUrl = normalizeServiceUrl(merged.serviceUrl) || "";
  merged.workspaceDomains = domainList(merged.workspaceDomains);
  merged.failMode = merged.failMode === "closed" ? "closed" : "open";
  const seconds = Number(merged.timeoutSeconds);
  merged.timeoutSeconds = seconds > 0 && seconds <= 30 ? seconds : DEFAULTS.timeoutSeconds;
  merged.managedKeys = Object.keys(managed || {}).filter((k) => k in DEFAULTS);
  return merged;
}

/** What is missing before the extension can guard Send (empty when ready). */
export function missingSettings(settings) {
  const missing = [];
  if (!settings.serviceUrl) missing.push("serviceUrl");
  if (!settings.inboxSdkAppId) missing.push("inboxSdkAppId");
  if (!settings.oauthClientId && !settings.apiKey) missing.push("oauthClientId");
  return missing;
}

/** Only accounts of the district's Workspace domains are checked; a personal account is left alone. */
export function isGuardedAccount(email, domains) {
  if (!domains || domains.length === 0) return true;
  const domain = String(email || "").toLowerCase().split("@").pop();
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/**
 * Settings for one check: the service's client-config (fresh or cached)
 * over the admin's fallbacks.
 */
export function effectiveClientSettings(settings, clientConfig) {
  const config = clientConfig || {};
  const seconds = Number(config.timeout_seconds);
  return {
    failMode: config.fail_mode === "closed" || config.fail_mode === "open" ? config.fail_mode : settings.failMode,
    timeoutSeconds: seconds > 0 && seconds <= 30 ? seconds : settings.timeoutSeconds,
    maxAttachmentBytes: Number(config.max_attachment_bytes) > 0 ? Number(config.max_attachment_bytes) : 25 * 1024 * 1024,
    justificationMinLength: Number(config.justification_min_length) > 0 ? Number(config.justification_min_length) : 10,
    supportContact: settings.supportContact,
  };
}
