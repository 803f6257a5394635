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
}

/** Sign-in for hosts: a name (local profile) or Auth0 login. */
export function HostSignIn({ config, auth, token, onLogin }: HostSignInProps) {
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
    <section className="card" aria-labelledby="host-signin-title">
      <h1 id="host-signin-title">Host a quiz</h1>
      {choice.auth0 && (
        <Auth0Button
          signedIn={choice.auth0SignedIn}
          onLogin={() => onLogin('#/host')}
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
