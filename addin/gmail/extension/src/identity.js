/**
 * Background worker: a fresh Google ID token per Gmail account, cached in
 * memory until shortly before it expires. Silent sign-in first; the
 * account chooser only when Google needs the user.
 */

import { authUrl, isFresh, readRedirect } from "./core/id-token.js";

export function createIdTokenSource({ identity, clientId, domain }) {
  const cache = new Map();

  async function signIn(account, interactive) {
    const nonce = crypto.randomUUID();
    const url = authUrl({
      clientId, redirectUri: identity.getRedirectURL(), nonce, loginHint: account, domain,
      prompt: interactive ? "select_account" : "none",
    });
    const redirect = await identity.launchWebAuthFlow({ url, interactive });
    const result = readRedirect(redirect, nonce);
    if (result.error) throw new Error(result.error);
    return result.idToken;
  }

  return {
    async token(account) {
      const cached = cache.get(account);
      if (cached && isFresh(cached, Date.now() / 1000)) return cached;
      let token;
      try {
        token = await signIn(account, false);
      } catch {
        token = await signIn(account, true);
      }
      cache.set(account, token);
      return token;
    },
    forget(account) {
      cache.delete(account);
    },
  };
}
