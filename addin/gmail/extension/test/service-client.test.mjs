import assert from "node:assert/strict";
import { test } from "node:test";

import { createServiceClient, fetchCall } from "../src/core/service-client.js";

const json = (status, body) => ({ ok: status < 400, status, json: async () => body });

function call(fetch, timeoutMs = 200) {
  return fetchCall({ fetch, baseUrl: "https://s.org", token: "t0k", method: "POST", path: "/api/v1/checks",
    body: { a: 1 }, timeoutMs });
}

test("a verdict comes back as data, with the token and JSON sent", async () => {
  let seen;
  const result = await call(async (url, init) => { seen = { url, init }; return json(200, { action: "warn" }); });
  assert.deepEqual(result, { ok: true, status: 200, data: { action: "warn" } });
  assert.equal(seen.url, "https://s.org/api/v1/checks");
  assert.equal(seen.init.headers.Authorization, "Bearer t0k");
  assert.equal(seen.init.body, '{"a":1}');
  assert.equal(seen.init.credentials, "omit");
});

test("errors are values: http, auth, network and timeout", async () => {
  const http = await call(async () => json(422, { error: { code: "justification_required", message: "Give one" } }));
  assert.deepEqual(http, { ok: false, kind: "http", status: 422, code: "justification_required", message: "Give one" });
  assert.equal((await call(async () => json(401, { error: { code: "token_expired" } }))).kind, "auth");
  assert.equal((await call(async () => { throw new TypeError("Failed to fetch"); })).kind, "network");
  const slow = (url, init) => new Promise((resolve, reject) => {
    init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
  });
  assert.deepEqual(await call(slow, 50), { ok: false, kind: "timeout", seconds: 0.1 });
  assert.equal((await call(async () => ({ ok: false, status: 502, json: async () => { throw new Error(); } }))).status, 502);
});

test("the client names the service's three calls", async () => {
  const calls = [];
  const client = createServiceClient(async (...args) => { calls.push(args); return { ok: true }; });
  await client.check({ x: 1 }, 4000);
  await client.override("a/b", "why", 5000);
  await client.clientConfig(3000);
  assert.deepEqual(calls, [["POST", "/api/v1/checks", { x: 1 }, 4000],
    ["POST", "/api/v1/checks/a%2Fb/overrides", { justification: "why" }, 5000],
    ["GET", "/api/v1/client-config", null, 3000]]);
});
