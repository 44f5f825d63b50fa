/**
 * SafeSend in Gmail: guard every compose view InboxSDK reports. The same
 * function runs in the extension (with InboxSDK and the background worker)
 * and in the test harness (with a stand-in SDK and a direct client).
 */

import { createClientSettings } from "./client-settings.js";
import { composeAdapter } from "./compose/compose-adapter.js";
import { guardComposeView } from "./guard.js";

export function startSafeSend({ sdk, client, settings, doc, fetch, version, store, log }) {
  const clientSettings = createClientSettings({ client, settings, store });
  const ready = clientSettings.refresh().catch(() => null);
  sdk.Compose.registerComposeViewHandler((view) => {
    guardComposeView(view, {
      adapter: composeAdapter(view, { fetch }),
      client,
      clientSettings: () => clientSettings.current(),
      doc,
      version,
      log: log || ((error) => console.error("SafeSend:", error)),
    });
  });
  return { ready };
}
