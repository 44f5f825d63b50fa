/**
 * The service's client settings (fail mode, time limit, attachment cap),
 * kept from the last answer so a service that is down still finds the
 * district's fail mode. Refreshed in the background, never on the Send path.
 */

import { effectiveClientSettings } from "./core/settings.js";

const REFRESH_MS = 30 * 60 * 1000;
const CONFIG_TIMEOUT_MS = 3000;

export function createClientSettings({ client, settings, store, now = Date.now }) {
  let known = null;
  let fetchedAt = 0;

  async function refresh() {
    const result = await client.clientConfig(CONFIG_TIMEOUT_MS);
    if (result.ok && result.data && typeof result.data === "object") {
      known = result.data;
      fetchedAt = now();
      if (store) await store.save(known);
    }
    return result;
  }

  return {
    refresh,
    async current() {
      if (!known && store) known = await store.load();
      if (now() - fetchedAt > REFRESH_MS) refresh().catch(() => {});
      return effectiveClientSettings(settings, known);
    },
  };
}
