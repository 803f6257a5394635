import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { ApiClient, ClientConfig } from './api';
import { tokenUserId, type AuthStore } from './auth';
import { HostPanel } from './components/HostPanel';
import { HostSetup } from './components/HostSetup';
import { HostSignIn } from './components/HostSignIn';
import { JoinForm } from './components/JoinForm';
import { PlayerPage } from './components/PlayerPage';
import { browserStorage, HostedSessions, JoinedSessions } from './hosted';
import { joinCodeFromSearch } from './joinCode';
import type { SocketFactory } from './live';
import { parseRoute, routeHash, type Route } from './routes';
import type { SessionDeps } from './useSession';

export interface AppProps {
  api: ApiClient;
  auth: AuthStore;
  /** An error from the Auth0 redirect, shown once. */
  authError?: string | null;
  /** Injected in tests. */
  WebSocket?: SocketFactory;
  /** The sessions this browser hosted (localStorage by default). */
  hosted?: HostedSessions;
  /** The sessions this browser joined as a player (localStorage by default). */
  joined?: JoinedSessions;
}

/** The server's own defaults (local profile) when it serves no /config.json. */
const LOCAL_CONFIG: ClientConfig = {
  profile: 'local',
  dev_auth: true,
  auth0_domain: '',
  auth0_client_id: '',
  auth0_audience: '',
  public_url: '',
};

/** The web client: player pages at `#/`, host pages at `#/host`. */
export function App({ api, auth, authError = null, WebSocket, hosted: given, joined: givenJoined }: AppProps) {
  const hosted = useMemo(() => given ?? new HostedSessions(browserStorage()), [given]);
  const joined = useMemo(() => givenJoined ?? new JoinedSessions(browserStorage()), [givenJoined]);
  const [config, setConfig] = useState<ClientConfig | null>(null);
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  const token = useSyncExternalStore(auth.subscribe, auth.snapshot);
  // The quiz ID of the link that opened the app (`?join=`): it fills the join
  // form until the player leaves a quiz for another one.
  const [initialCode, setInitialCode] = useState(() => joinCodeFromSearch(window.location.search));
  const [playName, setPlayName] = useState<string | null>(null);
  // The quiz ID whose host locked it before this player got in: the join form says so.
  const [lockedCode, setLockedCode] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .config()
      .then((loaded) => {
        if (!cancelled) setConfig(loaded);
      })
      .catch(() => {
        if (!cancelled) setConfig(LOCAL_CONFIG);
      });
    return () => {
      cancelled = true;
    };
  }, [api]);

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const navigate = useCallback((next: Route) => {
    // Drop `?join=`: it only pre-fills the first screen.
    window.history.pushState(null, '', `${window.location.pathname}${routeHash(next)}`);
    setRoute(next);
  }, []);

  const login = useCallback(
    (returnTo: string) => {
      if (config) auth.loginWithAuth0(config, window.location, returnTo);
    },
    [auth, config],
  );

  const deps: SessionDeps = useMemo(
    () => ({ api, freshToken: () => auth.fresh(), WebSocket }),
    [api, auth, WebSocket],
  );

  const signOut = useCallback(() => {
    auth.signOut();
    navigate({ page: 'join', code: '' });
  }, [auth, navigate]);

  const playCode = route.page === 'play' ? route.code : '';
  const hostCode = route.page === 'host-session' ? route.code : '';
  const onPlayerUnauthorized = useCallback(() => {
    auth.signOut();
    navigate({ page: 'join', code: playCode });
  }, [auth, navigate, playCode]);
  const onHostUnauthorized = useCallback(() => {
    auth.signOut();
  }, [auth]);

  // A quiz this browser joined, opened again from its link in a new tab (the
  // sign-in is per tab): the device key gives back the same player, so sign
  // in again with the name last used and go straight back in (joining again
  // is harmless). The join form, pre-filled, if that fails. The same for the
  // host's screen of a quiz hosted from this browser (`#/host/<ID>` in a new
  // tab): straight back to it, else the sign-in says it leads back there.
  const backTo =
    !token && config?.dev_auth
      ? route.page === 'play' && joined.joinedHere(route.code)
        ? route.code
        : route.page === 'host-session' && hosted.hostedHere(route.code)
          ? route.code
          : null
      : null;
  const returningName = backTo ? auth.returningName() : null;
  const rejoinCode = returningName ? backTo : null;
  const [rejoinFailed, setRejoinFailed] = useState<string | null>(null);
  const rejoining = rejoinCode !== null && rejoinFailed !== rejoinCode;
  useEffect(() => {
    if (!rejoining || !rejoinCode || !returningName) return;
    auth.signInDev(returningName).catch(() => setRejoinFailed(rejoinCode));
  }, [auth, rejoining, rejoinCode, returningName]);
  // The same from the join link (`?join=`, what the QR code gives): a quiz
  // this browser joined goes to its game (the rejoin above), not to the form.
  const linkCode = route.page === 'join' && !route.code ? initialCode : '';
  const linkRejoins =
    linkCode !== '' &&
    config !== null &&
    joined.joinedHere(linkCode) &&
    (token !== null || (config.dev_auth && auth.returningName() !== null));
  useEffect(() => {
    if (!linkRejoins) return;
    // Once: the brand's link to `#/` shows the form again.
    setInitialCode('');
    window.history.replaceState(null, '', `${window.location.pathname}${routeHash({ page: 'join', code: linkCode })}`);
    navigate({ page: 'play', code: linkCode });
  }, [linkRejoins, linkCode, navigate]);
  const rememberJoin = useCallback(
    (code: string, userId: string) => joined.remember(code, userId),
    [joined],
  );

  // The host locked the quiz before this player got in: back to the join form
  // (in the game page's place, so the browser's Back does not try again by
  // itself), which says so and tries again by itself every few seconds (the
  // join request alone: the game page follows once it goes through); its
  // Join tries again too.
  const backLocked = useCallback((code: string) => {
    setLockedCode(code);
    const form: Route = { page: 'join', code };
    window.history.replaceState(null, '', `${window.location.pathname}${routeHash(form)}`);
    setRoute(form);
  }, []);

  const retryJoin = useCallback((code: string) => api.join(code), [api]);

  // Phones reach the server at its public URL (a LAN address), not at the host's origin.
  const publicBase = config?.public_url ? config.public_url.replace(/\/+$/, '') : null;

  let content;
  if (!config) {
    content = (
      <section className="card" aria-busy="true">
        <p>Loading…</p>
      </section>
    );
  } else if (route.page === 'play' && token) {
    content = (
      <PlayerPage
        key={route.code}
        sessionId={route.code}
        deps={deps}
        onLeave={() => {
          // "Join another quiz" (at the end, or once removed): an empty quiz ID, the name kept.
          setInitialCode('');
          navigate({ page: 'join', code: '' });
        }}
        onBack={() => navigate({ page: 'join', code: route.code })}
        onUnauthorized={onPlayerUnauthorized}
        onName={setPlayName}
        onJoined={rememberJoin}
        onLocked={backLocked}
      />
    );
  } else if ((rejoining || linkRejoins) && route.page === 'host-session') {
    content = (
      <section className="card" aria-busy="true" data-testid="host-signing-back">
        <p>Back to quiz {route.code}…</p>
      </section>
    );
  } else if (rejoining || linkRejoins) {
    content = (
      <section className="card" aria-busy="true">
        <p>Joining {rejoinCode ?? linkCode}…</p>
      </section>
    );
  } else if (route.page === 'join' || route.page === 'play') {
    content = (
      <JoinForm
        config={config}
        auth={auth}
        token={token}
        initialCode={route.code || initialCode}
        lockedCode={lockedCode}
        retryJoin={retryJoin}
        onJoin={(code) => {
          setLockedCode(null);
          // The host typing their own quiz ID gets their screen back, not a seat among the players.
          if (hosted.has(code, tokenUserId(auth.snapshot()))) return navigate({ page: 'host-session', code });
          // Back from the game comes to this form with the quiz ID still in it.
          window.history.replaceState(null, '', `${window.location.pathname}${routeHash({ page: 'join', code })}`);
          navigate({ page: 'play', code });
        }}
        onLogin={login}
      />
    );
  } else if (!token) {
    content = (
      <HostSignIn
        config={config}
        auth={auth}
        token={token}
        onLogin={login}
        sessionId={route.page === 'host-session' ? route.code : undefined}
      />
    );
  } else if (route.page === 'host-session') {
    content = (
      <HostPanel
        key={hostCode}
        sessionId={hostCode}
        deps={deps}
        origin={publicBase ?? window.location.origin}
        pathname={publicBase ? '/' : window.location.pathname}
        userId={tokenUserId(token)}
        onHostKnown={(code, isHost) => {
          const userId = tokenUserId(token);
          if (userId && isHost) hosted.remember(code, userId);
          else hosted.forget(code, userId);
        }}
        onNewSession={() => navigate({ page: 'host' })}
        onUnauthorized={onHostUnauthorized}
      />
    );
  } else {
    content = (
      <HostSetup
        api={api}
        hosted={hosted}
        userId={tokenUserId(token)}
        onCreated={(code) => navigate({ page: 'host-session', code })}
      />
    );
  }

  const signedInAs = token?.kind === 'dev' ? token.name : token ? 'Signed in' : null;
  // While playing, the name the others see (the session may have made it "Ana 2").
  const who = route.page === 'play' && token && playName ? playName : signedInAs;

  return (
    <div className={`app${route.page === 'host-session' && token ? ' app-presenter' : ''}`}>
      <header className="topbar">
        <a className="brand" href="#/">
          Quizcore
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route.page === 'join' || route.page === 'play' ? 'page' : undefined}>
            Play
          </a>
          <a
            href="#/host"
            aria-current={route.page === 'host' || route.page === 'host-session' ? 'page' : undefined}
          >
            Host
          </a>
        </nav>
        {who && (
          <div className="who">
            <span
              className="who-name"
              data-testid="signed-in-as"
              // Cut at the end of the name's own direction, right-to-left too.
              dir="auto"
              title={who !== signedInAs && signedInAs ? `Signed in as ${signedInAs}` : undefined}
            >
              {who}
            </span>
            <button type="button" className="link-button" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" className="main">
        {authError && (
          <p className="form-error banner" role="alert">
            Sign-in failed: {authError}
          </p>
        )}
        {content}
      </main>
    </div>
  );
}
