import type { ClientConfig } from '../api';
import { auth0Available, devAuthAvailable, type StoredToken } from '../auth';

export interface AuthChoice {
  dev: boolean;
  auth0: boolean;
  /** Signed in through Auth0 (a name field is then not needed). */
  auth0SignedIn: boolean;
}

/** Which sign-in methods to offer for this config and token. */
export function authChoice(config: ClientConfig, token: StoredToken | null): AuthChoice {
  const auth0 = auth0Available(config);
  return {
    dev: devAuthAvailable(config),
    auth0,
    auth0SignedIn: Boolean(auth0 && token?.kind === 'auth0'),
  };
}

export interface Auth0ButtonProps {
  signedIn: boolean;
  onLogin: () => void;
  onLogout: () => void;
}

/** Auth0 login (or sign-out) button. */
export function Auth0Button({ signedIn, onLogin, onLogout }: Auth0ButtonProps) {
  if (signedIn) {
    return (
      <p className="signed-in">
        Signed in.{' '}
        <button type="button" className="link-button" data-testid="logout-button" onClick={onLogout}>
          Sign out
        </button>
      </p>
    );
  }
  return (
    <button type="button" className="button secondary wide" data-testid="login-button" onClick={onLogin}>
      Log in
    </button>
  );
}
