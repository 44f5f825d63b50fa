import assert from "node:assert/strict";
import { test } from "node:test";

import { bytesToBase64, contentTypeFor, parseSize } from "../src/compose/attachments.js";
import { authUrl, claimsOf, isFresh, readRedirect } from "../src/core/id-token.js";

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const jwt = (claims) => `${b64url({ alg: "RS256" })}.${b64url(claims)}.sig`;

test("the sign-in URL asks Google for an ID token for this account and domain", () => {
  const url = new URL(authUrl({ clientId: "c1", redirectUri: "https://abc.chromiumapp.org/", nonce: "n1",
    loginHint: "t@district.org", domain: "district.org", prompt: "none" }));
  assert.equal(url.origin + url.pathname, "https://accounts.google.com/o/oauth2/v2/auth");
  const p = Object.fromEntries(url.searchParams);
  assert.deepEqual(p, { client_id: "c1", response_type: "id_token", redirect_uri: "https://abc.chromiumapp.org/",
    scope: "openid email", nonce: "n1", login_hint: "t@district.org", hd: "district.org", prompt: "none" });
});

test("the redirect must carry an ID token for our nonce", () => {
  const token = jwt({ nonce: "n1", exp: 2e9, email: "t@district.org" });
  assert.equal(readRedirect(`https://abc.chromiumapp.org/#id_token=${token}&authuser=0`, "n1").idToken, token);
  assert.match(readRedirect(`https://abc.chromiumapp.org/#id_token=${token}`, "n2").error, /not for this request/);
  assert.equal(readRedirect("https://abc.chromiumapp.org/#error=interaction_required", "n1").error,
    "interaction_required");
  assert.match(readRedirect("https://abc.chromiumapp.org/", "n1").error, /no ID token/);
});

test("tokens are refreshed two minutes before they expire", () => {
  assert.equal(isFresh(jwt({ exp: 1000 }), 800), true);
  assert.equal(isFresh(jwt({ exp: 1000 }), 900), false);
  assert.equal(isFresh("garbage", 0), false);
  assert.equal(claimsOf(jwt({ name: "Zoë" })).name, "Zoë");
});

test("attachment chips: sizes, types and content encoding", () => {
  assert.equal(parseSize("(12K)"), 12288);
  assert.equal(parseSize("1.5 MB"), 1572864);
  assert.equal(parseSize(""), null);
  assert.equal(contentTypeFor("Roster.XLSX"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  assert.equal(contentTypeFor("photo"), "application/octet-stream");
  const bytes = new Uint8Array(100000).map((_, i) => i % 256);
  assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString("base64"));
});
