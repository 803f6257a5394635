/**
 * Sign-in: local dev tokens (`POST /v1/dev/token`) or Auth0's universal login.
 *
 * Auth0 uses the implicit flow (`response_type=token`): the tenant redirects back
 * with the access token in the URL fragment, so no SDK is needed. Tokens live in
 * sessionStorage, one sign-in per browser tab.
 *
 * Dev tokens are bound to this browser's device key: a random secret made once
 * and kept in localStorage. The same key always gets the same user, so a reload
 * or another tab keeps the player (and the host's control), and typing someone
 * else's name never gives their identity.
 */

import type { ApiClient, ClientConfig, TokenProvider } from './api';

export interface StoredToken {
  access_token: string;
  /** Epoch milliseconds after which the token is not used any more. */
  expires_at: number;
  kind: 'dev' | 'auth0';
  /** Dev tokens: the name the token was issued for (to re-issue it). */
  name?: string;
  user_id?: string;
}

export interface AuthCallback {
  access_token: string | null;
  expires_in: number | null;
  state: string | null;
  error: string | null;
  error_description: string | null;
}

const TOKEN_KEY = 'quizcore.token';
const STATE_KEY = 'quizcore.auth0.state';
const DEVICE_KEY = 'quizcore.device_key';
/** The name this browser last signed in with (a new tab offers it again). */
const LAST_NAME_KEY = 'quizcore.last_name';
/** Length in bytes of a new device key (hex-encoded: twice as many characters). */
const DEVICE_KEY_BYTES = 24;

/**
 * Return this browser's device key, making (and keeping) one on first use.
 *
 * `storage` is localStorage: the key outlives tabs and reloads. When storage is
 * unavailable (private mode quirks) the key lives as long as the page.
 */
export function deviceKey(storage: Storage | null): string {
  try {
    const known = storage?.getItem(DEVICE_KEY);
    if (known && known.length >= 16) return known;
  } catch {
    // Storage blocked: fall through to a fresh key.
  }
  const bytes = new Uint8Array(DEVICE_KEY_BYTES);
  crypto.getRandomValues(bytes);
  const key = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  try {
    storage?.setItem(DEVICE_KEY, key);
  } catch {
    // Kept for this page only.
  }
  return key;
}

/** Read the `sub` claim of a JWT without checking it (the server does). */
export function tokenSubject(accessToken: string): string | null {
  const payload = accessToken.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const binary = atob(padded);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : null;
  } catch {
    return null;
  }
}

/** The user id of a stored token: the one the server issued it for, or its `sub`. */
export function tokenUserId(token: StoredToken | null): string | null {
  if (!token) return null;
  return token.user_id ?? tokenSubject(token.access_token);
}
/** Stop using a token this long before it expires. */
const EXPIRY_MARGIN_MS = 30_000;

/** Return whether the config offers the local dev sign-in. */
export function devAuthAvailable(config: ClientConfig): boolean {
  return config.dev_auth;
}

/** Return whether the config offers an Auth0 login. */
export function auth0Available(config: ClientConfig): boolean {
  return Boolean(config.auth0_domain && config.auth0_client_id);
}

/** Build Auth0's /authorize URL for the implicit flow. */
export function auth0AuthorizeUrl(
  config: ClientConfig,
  redirectUri: string,
  state: string,
): string {
  const domain = config.auth0_domain.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const params = new URLSearchParams({
    response_type: 'token',
    client_id: config.auth0_client_id,
    redirect_uri: redirectUri,
    scope: 'openid profile',
    state,
  });
  if (config.auth0_audience) params.set('audience', config.auth0_audience);
  return `https://${domain}/authorize?${params}`;
}

/** Parse Auth0's redirect fragment; null when the hash is no auth callback. */
export function parseAuthCallback(hash: string): AuthCallback | null {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!/(^|&)(access_token|error)=/.test(text)) return null;
  const params = new URLSearchParams(text);
  const expires = Number(params.get('expires_in'));
  return {
    access_token: params.get('access_token'),
    expires_in: Number.isFinite(expires) && expires > 0 ? expires : null,
    state: params.get('state'),
    error: params.get('error'),
    error_description: params.get('error_description'),
  };
}

function randomState(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Holds the current token and tells subscribers when it changes. */
export class AuthStore implements TokenProvider {
  private token: StoredToken | null;
  private readonly listeners = new Set<() => void>();
  private api: ApiClient | null = null;
  private refreshing: Promise<string | null> | null = null;
  private readonly storage: Storage;
  private readonly keyStorage: Storage | null;
  private readonly now: () => number;

  /**
   * `storage` keeps the token (sessionStorage); `keyStorage` keeps the device key
   * (localStorage, shared by the browser's tabs).
   */
  constructor(storage: Storage, now: () => number = Date.now, keyStorage: Storage | null = storage) {
    this.storage = storage;
    this.keyStorage = keyStorage;
    this.now = now;
    this.token = this.read();
  }

  /** Give the store the client used to re-issue dev tokens. */
  attach(api: ApiClient): void {
    this.api = api;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current token, or null when signed out or expired. */
  snapshot = (): StoredToken | null => {
    if (this.token && this.token.expires_at - EXPIRY_MARGIN_MS <= this.now()) {
      // An expired dev token can be re-issued; keep it for its name.
      return this.token.kind === 'dev' ? this.token : null;
    }
    return this.token;
  };

  get(): string | null {
    const token = this.token;
    if (!token || token.expires_at - EXPIRY_MARGIN_MS <= this.now()) return null;
    return token.access_token;
  }

  /** Return a token that is still valid, re-issuing a dev token if needed. */
  async fresh(): Promise<string | null> {
    return this.get() ?? (await this.refresh());
  }

  /** Re-issue a dev token for the same name; Auth0 tokens need a new login. */
  refresh(): Promise<string | null> {
    const token = this.token;
    if (!token || token.kind !== 'dev' || !token.name || !this.api) return Promise.resolve(null);
    if (!this.refreshing) {
      this.refreshing = this.signInDev(token.name)
        .then((stored) => stored.access_token)
        .catch(() => null)
        .finally(() => {
          this.refreshing = null;
        });
    }
    return this.refreshing;
  }

  /** The name this browser last signed in with, for a new tab's form ('' if none). */
  lastName(): string {
    try {
      return this.keyStorage?.getItem(LAST_NAME_KEY) ?? '';
    } catch {
      return '';
    }
  }

  /**
   * The name to sign in with again, without asking, in a new tab: the one
   * last used, when this browser keeps its device key too (the server then
   * gives back the same player). Null when either is missing.
   */
  returningName(): string | null {
    try {
      const key = this.keyStorage?.getItem(DEVICE_KEY);
      return key && key.length >= 16 ? this.lastName() || null : null;
    } catch {
      return null;
    }
  }

  /** Get a dev token for `name` (local profile). */
  async signInDev(name: string): Promise<StoredToken> {
    if (!this.api) throw new Error('AuthStore is not attached to an API client');
    const issued = await this.api.devToken(name, deviceKey(this.keyStorage));
    const stored: StoredToken = {
      access_token: issued.access_token,
      expires_at: this.now() + (issued.expires_in || 3600) * 1000,
      kind: 'dev',
      name,
      user_id: issued.user_id,
    };
    this.set(stored);
    try {
      this.keyStorage?.setItem(LAST_NAME_KEY, name);
    } catch {
      // Storage blocked: a new tab asks for the name again.
    }
    return stored;
  }

  /** Redirect to Auth0's universal login; `returnHash` is restored afterwards. */
  loginWithAuth0(config: ClientConfig, location: Location, returnTo: string): void {
    const state = randomState();
    this.storage.setItem(STATE_KEY, JSON.stringify({ state, returnTo }));
    const redirectUri = `${location.origin}${location.pathname}`;
    location.assign(auth0AuthorizeUrl(config, redirectUri, state));
  }

  /**
   * Take the token from Auth0's redirect fragment.
   *
   * Returns where to go back to, or throws when the login failed or the state
   * does not match the one this tab sent (a forged redirect).
   */
  completeAuth0(callback: AuthCallback): string {
    const saved = this.storage.getItem(STATE_KEY);
    this.storage.removeItem(STATE_KEY);
    if (callback.error) {
      throw new Error(callback.error_description || callback.error);
    }
    let expected: { state?: string; returnTo?: string } = {};
    try {
      expected = saved ? (JSON.parse(saved) as typeof expected) : {};
    } catch {
      expected = {};
    }
    if (!callback.access_token || !expected.state || expected.state !== callback.state) {
      throw new Error('The sign-in response did not match this browser tab. Please sign in again.');
    }
    this.set({
      access_token: callback.access_token,
      expires_at: this.now() + (callback.expires_in ?? 3600) * 1000,
      kind: 'auth0',
    });
    return expected.returnTo ?? '';
  }

  signOut(): void {
    this.set(null);
  }

  private set(token: StoredToken | null): void {
    this.token = token;
    if (token) this.storage.setItem(TOKEN_KEY, JSON.stringify(token));
    else this.storage.removeItem(TOKEN_KEY);
    for (const listener of this.listeners) listener();
  }

  private read(): StoredToken | null {
    try {
      const text = this.storage.getItem(TOKEN_KEY);
      if (!text) return null;
      const token = JSON.parse(text) as StoredToken;
      return typeof token.access_token === 'string' && typeof token.expires_at === 'number'
        ? token
        : null;
    } catch {
      return null;
    }
  }
}
