/**
 * Talking to the SafeSend service. `fetchCall` does one bounded HTTP call
 * (used by the background worker, and by the test harness in a page);
 * `createServiceClient` names the three calls the extension makes. Every
 * failure comes back as a value, {ok: false, kind}, never as a throw.
 */

export async function fetchCall({ fetch, baseUrl, token, method, path, body, timeoutMs }) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(baseUrl + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: controller.signal,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    return controller.signal.aborted
      ? { ok: false, kind: "timeout", seconds: Math.round(timeoutMs / 100) / 10 }
      : { ok: false, kind: "network", message: String(error && error.message || error) };
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, status: response.status, data };
  const error = (data && data.error) || {};
  const kind = response.status === 401 ? "auth" : "http";
  return { ok: false, kind, status: response.status, code: error.code || "", message: error.message || "" };
}

/** call(method, path, body, timeoutMs) -> result; see fetchCall. */
export function createServiceClient(call) {
  return {
    check(request, timeoutMs) {
      return call("POST", "/api/v1/checks", request, timeoutMs);
    },
    override(checkId, justification, timeoutMs) {
      return call("POST", `/api/v1/checks/${encodeURIComponent(checkId)}/overrides`, { justification }, timeoutMs);
    },
    clientConfig(timeoutMs) {
      return call("GET", "/api/v1/client-config", null, timeoutMs);
    },
  };
}
