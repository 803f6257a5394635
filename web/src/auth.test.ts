import { describe, expect, it, vi } from 'vitest';
import { ApiClient, type ClientConfig } from './api';
import {
  auth0AuthorizeUrl,
  AuthStore,
  deviceKey,
  parseAuthCallback,
  tokenSubject,
  tokenUserId,
} from './auth';

const cloud: ClientConfig = {
  profile: 'cloud',
  dev_auth: false,
  auth0_domain: 'tenant.eu.auth0.com',
  auth0_client_id: 'client123',
  auth0_audience: 'https://quizcore/api',
};

describe('Auth0 implicit login', () => {
  it('builds the authorize URL with response_type=token and the audience', () => {
    const url = new URL(auth0AuthorizeUrl(cloud, 'https://quiz.example/', 'st4te'));
    expect(url.origin).toBe('https://tenant.eu.auth0.com');
    expect(url.pathname).toBe('/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'token',
      client_id: 'client123',
      redirect_uri: 'https://quiz.example/',
      scope: 'openid profile',
      state: 'st4te',
      audience: 'https://quizcore/api',
    });
  });

  it('parses the access token from the redirect fragment', () => {
    expect(parseAuthCallback('#access_token=abc&token_type=Bearer&expires_in=7200&state=xyz')).toEqual({
      access_token: 'abc',
      expires_in: 7200,
      state: 'xyz',
      error: null,
      error_description: null,
    });
    expect(parseAuthCallback('#/host')).toBeNull();
  });

  it('accepts the token only with the state this tab sent', () => {
    const assign = vi.fn();
    const store = new AuthStore(sessionStorage);
    store.loginWithAuth0(cloud, { origin: 'https://quiz.example', pathname: '/', assign } as unknown as Location, '#/host');
    const state = new URL(assign.mock.calls[0][0] as string).searchParams.get('state');
    const back = store.completeAuth0({ access_token: 'jwt', expires_in: 3600, state, error: null, error_description: null });
    expect(back).toBe('#/host');
    expect(store.get()).toBe('jwt');
  });

  it('rejects a redirect with a foreign state', () => {
    const store = new AuthStore(sessionStorage);
    expect(() =>
      store.completeAuth0({ access_token: 'jwt', expires_in: 3600, state: 'forged', error: null, error_description: null }),
    ).toThrow();
    expect(store.get()).toBeNull();
  });
});

describe('dev tokens', () => {
  it('signs in with a name, stores the token, and re-issues it when expired', async () => {
    let now = 1_000_000;
    const fetch = vi.fn<typeof globalThis.fetch>(async (_url, init) => {
      const { name } = JSON.parse(String(init?.body)) as { name: string };
      return new Response(
        JSON.stringify({ access_token: `jwt-${name}-${now}`, token_type: 'Bearer', expires_in: 3600, user_id: 'u-ann' }),
        { status: 200 },
      );
    });
    const store = new AuthStore(sessionStorage, () => now);
    store.attach(new ApiClient({ fetch, tokens: store }));
    await store.signInDev('ann');
    expect(store.get()).toBe('jwt-ann-1000000');
    expect(new AuthStore(sessionStorage, () => now).get()).toBe('jwt-ann-1000000');

    now += 3600 * 1000;
    expect(store.get()).toBeNull();
    expect(store.snapshot()?.name).toBe('ann');
    expect(await store.fresh()).toBe(`jwt-ann-${now}`);
  });
});

describe('device key (local profile)', () => {
  function fetchToken(bodies: unknown[]) {
    return vi.fn<typeof fetch>(async (_url, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return new Response(
        JSON.stringify({ access_token: 'a.b.c', token_type: 'Bearer', expires_in: 3600, user_id: 'u1' }),
        { status: 200 },
      );
    });
  }

  it('makes one key, keeps it, and sends it with every sign-in', async () => {
    const bodies: unknown[] = [];
    const keys = new Map<string, string>();
    const local = {
      getItem: (key: string) => keys.get(key) ?? null,
      setItem: (key: string, value: string) => void keys.set(key, value),
      removeItem: (key: string) => void keys.delete(key),
    } as unknown as Storage;
    for (const name of ['ana', 'Ana B']) {
      // A new tab: its own session storage, the browser's one local storage.
      const store = new AuthStore(window.sessionStorage, Date.now, local);
      store.attach(new ApiClient({ fetch: fetchToken(bodies), tokens: store }));
      await store.signInDev(name);
    }
    const [first, second] = bodies as { name: string; device_key: string }[];
    expect(first.device_key).toMatch(/^[0-9a-f]{48}$/);
    expect(second.device_key).toBe(first.device_key);
    expect(second.name).toBe('Ana B');
    expect(deviceKey(local)).toBe(first.device_key);
    // A third tab, not signed in yet, offers the name this browser last used.
    expect(new AuthStore(window.sessionStorage, Date.now, local).lastName()).toBe('Ana B');
    expect(new AuthStore(window.sessionStorage, Date.now, null).lastName()).toBe('');
    // It signs in again with that name without asking: the device key gives the same player.
    expect(new AuthStore(window.sessionStorage, Date.now, local).returningName()).toBe('Ana B');
  });

  it('has no name to sign in again with when the device key is gone', () => {
    localStorage.setItem('quizcore.last_name', 'ana');
    expect(new AuthStore(window.sessionStorage, Date.now, localStorage).returningName()).toBeNull();
  });

  it('makes different keys in different browsers', () => {
    const one = new Map<string, string>();
    const two = new Map<string, string>();
    const storage = (keys: Map<string, string>) =>
      ({
        getItem: (key: string) => keys.get(key) ?? null,
        setItem: (key: string, value: string) => void keys.set(key, value),
      }) as unknown as Storage;
    expect(deviceKey(storage(one))).not.toBe(deviceKey(storage(two)));
  });

  it('reads the user id of a token from its sub claim', () => {
    const utf8 = new TextEncoder().encode(JSON.stringify({ sub: 'auth0|ünï', name: 'x' }));
    const payload = btoa(String.fromCharCode(...utf8))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(tokenSubject(`h.${payload}.s`)).toBe('auth0|ünï');
    expect(tokenSubject('not a jwt')).toBeNull();
    expect(tokenUserId({ access_token: 'x', expires_at: 0, kind: 'dev', user_id: 'u9' })).toBe('u9');
  });
});
