// Sign-in as a SMART app: authorization code + PKCE (S256) against CareGraph's own authorization server, found through
// /.well-known/smart-configuration. The token lives in sessionStorage (this tab only), never in a URL.
const TOKEN = 'caregraph.token';
const PENDING = 'caregraph.signin';
export const CLIENT_ID = 'caregraph-ui';
export const SCOPE = 'openid fhirUser user/*.rs user/caregraph.analytics';

let configuration;

/** The server's SMART configuration (its authorization and token endpoints), or null when it has none. */
function smartConfiguration() {
  configuration ??= fetch('/.well-known/smart-configuration', { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null))
    .catch(() => null);
  return configuration;
}

/** The signed-in user's access token while it is valid, else null. */
export function accessToken() {
  const saved = session();
  return saved && saved.expiresAt > Date.now() ? saved.accessToken : null;
}

/** What the token response said about the user (scope, fhirUser, patient), or null when signed out. */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(TOKEN));
  } catch {
    return null;
  }
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(size) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

/** Sends the browser to the authorization server; it comes back to /ui/callback, then to `returnTo`. */
export async function signIn(returnTo = location.pathname + location.search + location.hash) {
  const config = await smartConfiguration();
  if (!config) throw new Error('This server has no sign-in (no SMART configuration)');
  const verifier = randomText(48);
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = randomText(24);
  sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, returnTo }));
  const url = new URL(config.authorization_endpoint, location.origin);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: location.origin + '/ui/callback',
    scope: SCOPE,
    state,
    aud: location.origin + '/fhir',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** On /ui/callback: checks the state, trades the code for a token, and returns where the sign-in started. */
export async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  if (params.get('error')) throw new Error(`Sign-in refused: ${params.get('error_description') || params.get('error')}`);
  if (!pending || params.get('state') !== pending.state) throw new Error('Sign-in answer does not match a sign-in started here');
  const config = await smartConfiguration();
  const response = await fetch(new URL(config.token_endpoint, location.origin), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') || '',
      redirect_uri: location.origin + '/ui/callback',
      client_id: CLIENT_ID,
      code_verifier: pending.verifier,
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.access_token) {
    throw new Error(`The token endpoint refused the sign-in: ${body.error_description || body.error || response.status}`);
  }
  sessionStorage.setItem(TOKEN, JSON.stringify({
    accessToken: body.access_token,
    expiresAt: Date.now() + (body.expires_in || 300) * 1000,
    scope: body.scope,
    fhirUser: body.fhirUser ?? null,
    patient: body.patient ?? null,
  }));
  return pending.returnTo || '/';
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
}
