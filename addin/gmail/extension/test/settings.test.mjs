import assert from "node:assert/strict";
import { test } from "node:test";

import { createClientSettings } from "../src/client-settings.js";
import {
  effectiveClientSettings, isGuardedAccount, mergeSettings, missingSettings, normalizeServiceUrl,
} from "../src/core/settings.js";

test("service URLs must be https (or local http for development)", () => {
  assert.equal(normalizeServiceUrl("https://safesend.district.org/"), "https://safesend.district.org");
  assert.equal(normalizeServiceUrl("https://d.org/safesend/"), "https://d.org/safesend");
  assert.equal(normalizeServiceUrl("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  assert.equal(normalizeServiceUrl("http://safesend.district.org"), null);
  assert.equal(normalizeServiceUrl("https://d.org/?x=1"), null);
  assert.equal(normalizeServiceUrl("not a url"), null);
});

test("managed settings win over the options page, key by key", () => {
  const merged = mergeSettings(
    { serviceUrl: "https://managed.example.org", failMode: "closed", workspaceDomains: ["District.org"] },
    { serviceUrl: "https://mine.example.org", supportContact: "me", failMode: "open", bogus: 1 },
  );
  assert.equal(merged.serviceUrl, "https://managed.example.org");
  assert.equal(merged.failMode, "closed");
  assert.equal(merged.supportContact, "me");
  assert.deepEqual(merged.workspaceDomains, ["district.org"]);
  assert.deepEqual(merged.managedKeys.sort(), ["failMode", "serviceUrl", "workspaceDomains"]);
  assert.equal("bogus" in merged, false);
  assert.equal(mergeSettings({}, { timeoutSeconds: "999" }).timeoutSeconds, 4);
  assert.equal(mergeSettings({}, { workspaceDomains: "a.org, @B.org" }).workspaceDomains[1], "b.org");
});

test("what is missing is named", () => {
  assert.deepEqual(missingSettings(mergeSettings({}, {})), ["serviceUrl", "inboxSdkAppId", "oauthClientId"]);
  assert.deepEqual(missingSettings(mergeSettings({ serviceUrl: "https://s.org", inboxSdkAppId: "x",
    apiKey: "ss_dev" }, {})), []);
});

test("only district accounts are guarded", () => {
  assert.equal(isGuardedAccount("t@district.org", ["district.org"]), true);
  assert.equal(isGuardedAccount("t@staff.district.org", ["district.org"]), true);
  assert.equal(isGuardedAccount("me@gmail.com", ["district.org"]), false);
  assert.equal(isGuardedAccount("me@notdistrict.org", ["district.org"]), false);
  assert.equal(isGuardedAccount("me@gmail.com", []), true);
});

test("the service's client settings win once known", () => {
  const settings = mergeSettings({ failMode: "open", timeoutSeconds: 6, supportContact: "IT" }, {});
  assert.deepEqual(effectiveClientSettings(settings, null), {
    failMode: "open", timeoutSeconds: 6, maxAttachmentBytes: 25 * 1024 * 1024, justificationMinLength: 10,
    supportContact: "IT",
  });
  const known = effectiveClientSettings(settings, { fail_mode: "closed", timeout_seconds: 2,
    max_attachment_bytes: 1000, justification_min_length: 20 });
  assert.equal(known.failMode, "closed");
  assert.equal(known.timeoutSeconds, 2);
  assert.equal(known.maxAttachmentBytes, 1000);
  assert.equal(known.justificationMinLength, 20);
});

test("client settings are remembered for when the service is down", async () => {
  let saved = null;
  const store = { load: async () => saved, save: async (v) => { saved = v; } };
  const settings = mergeSettings({ failMode: "open" }, {});
  let up = true;
  const client = { clientConfig: async () => (up ? { ok: true, data: { fail_mode: "closed" } }
    : { ok: false, kind: "network" }) };
  await createClientSettings({ client, settings, store }).refresh();
  up = false;
  const later = createClientSettings({ client, settings, store });  // a new page, service down
  assert.equal((await later.current()).failMode, "closed");
});
