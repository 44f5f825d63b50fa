/**
 * Test harness build (not shipped): the extension's content logic with the
 * Send guard, dialog and client, driven by a page that stands in for
 * InboxSDK and calling a real SafeSend service directly.
 */

import { createServiceClient, fetchCall } from "./core/service-client.js";
import { mergeSettings } from "./core/settings.js";
import { startSafeSend } from "./safesend.js";

window.SafeSendHarness = {
  start({ sdk, serviceUrl, token, settings }) {
    const merged = mergeSettings(settings || {}, { serviceUrl });
    const client = createServiceClient((method, path, body, timeoutMs) =>
      fetchCall({ fetch: window.fetch.bind(window), baseUrl: merged.serviceUrl, token, method, path, body, timeoutMs }));
    return startSafeSend({ sdk, client, settings: merged, doc: document, fetch: window.fetch.bind(window),
      version: __SAFESEND_VERSION__ });
  },
};
