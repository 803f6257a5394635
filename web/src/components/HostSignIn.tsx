import { useId, useState, type FormEvent } from 'react';
import type { ClientConfig } from '../api';
import type { AuthStore, StoredToken } from '../auth';
import { describeError, hasVisibleText } from '../format';
import { Auth0Button, authChoice } from './SignInBits';

export interface HostSignInProps {
  config: ClientConfig;
  auth: AuthStore;
  token: StoredToken | null;
  onLogin: (returnTo: string) => void;
  /**
   * The quiz whose host screen was opened (`#/host/<ID>`): the form says it
   * leads back there, and so does the Auth0 login.
   */
  sessionId?: string;
}

/** Sign-in for hosts: a name (local profile) or Auth0 login. */
export function HostSignIn({ config, auth, token, onLogin, sessionId }: HostSignInProps) {
  const choice = authChoice(config, token);
  const [name, setName] = useState(
    token?.kind === 'dev' && token.name ? token.name : auth.lastName(),
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim().replace(/\s+/g, ' ');
    if (!hasVisibleText(trimmed)) {
      setError('Please enter your name.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await auth.signInDev(trimmed);
    } catch (ex) {
      setError(describeError(ex));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="host-signin-title" data-testid="host-sign-in-form">
      <h1 id="host-signin-title">{sessionId ? `Back to quiz ${sessionId}` : 'Host a quiz'}</h1>
      {sessionId && (
        <p className="muted" data-testid="host-sign-in-back">
          Sign in to get back to quiz {sessionId}. The browser that started it gets its controls
          back.
        </p>
      )}
      {choice.auth0 && (
        <Auth0Button
          signedIn={choice.auth0SignedIn}
          onLogin={() => onLogin(sessionId ? `#/host/${sessionId}` : '#/host')}
          onLogout={() => auth.signOut()}
        />
      )}
      {choice.dev && (
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={nameId}>Your name</label>
            <input
              id={nameId}
              data-testid="name-input"
              type="text"
              value={name}
              onChange={(event) => setName(event.target.value)}
              autoComplete="nickname"
              maxLength={40}
            />
          </div>
          <p className="form-error" role="alert">
            {error}
          </p>
          <button type="submit" className="button primary wide" data-testid="host-sign-in" disabled={busy}>
            Continue
          </button>
        </form>
      )}
      {!choice.dev && !choice.auth0 && (
        <p role="alert">Sign-in is not configured on this server.</p>
      )}
    </section>
  );
}
