/**
 * A Google ID token for the Gmail user, from Google's OpenID Connect
 * endpoint through chrome.identity.launchWebAuthFlow. These helpers are
 * the pure parts: the sign-in URL, reading the redirect, token lifetime.
 * The token is verified by the service, not here.
 */

export const GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth";
export const REFRESH_MARGIN_SECONDS = 120;

export function authUrl({ clientId, redirectUri, nonce, loginHint, domain, prompt }) {
  const params = new URLSearchParams({
    client_id: clientId,
    response_type: "id_token",
    redirect_uri: redirectUri,
    scope: "openid email",
    nonce,
  });
  if (loginHint) params.set("login_hint", loginHint);
  if (domain) params.set("hd", domain);
  if (prompt) params.set("prompt", prompt);
  return `${GOOGLE_AUTH_URL}?${params}`;
}

/** {idToken} or {error} from the URL Google redirected to. */
export function readRedirect(redirectUrl, nonce) {
  let fragment;
  try {
    fragment = new URLSearchParams(new URL(redirectUrl).hash.replace(/^#/, ""));
  } catch {
    return { error: "the sign-in answer could not be read" };
  }
  if (fragment.get("error")) return { error: fragment.get("error") };
  const idToken = fragment.get("id_token");
  if (!idToken) return { error: "the sign-in answer held no ID token" };
  const claims = claimsOf(idToken);
  if (!claims || claims.nonce !== nonce) return { error: "the sign-in answer was not for this request" };
  return { idToken, claims };
}

/** The unverified claims of a JWT (to read exp and nonce), or null. */
export function claimsOf(token) {
  try {
    const part = String(token).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

export function isFresh(token, nowSeconds) {
  const claims = claimsOf(token);
  return Boolean(claims && typeof claims.exp === "number" && claims.exp - REFRESH_MARGIN_SECONDS > nowSeconds);
}
