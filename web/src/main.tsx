import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api';
import { App } from './App';
import { AuthStore, parseAuthCallback } from './auth';
import { browserStorage } from './hosted';
import './styles.css';

const auth = new AuthStore(window.sessionStorage, Date.now, browserStorage());
const api = new ApiClient({ tokens: auth });
auth.attach(api);

// Auth0 redirects back with the token in the fragment: take it, then clean the URL.
let authError: string | null = null;
const callback = parseAuthCallback(window.location.hash);
if (callback) {
  let target = '#/';
  try {
    target = auth.completeAuth0(callback) || '#/';
  } catch (ex) {
    authError = ex instanceof Error ? ex.message : String(ex);
  }
  window.history.replaceState(null, '', `${window.location.pathname}${target}`);
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App api={api} auth={auth} authError={authError} />
    </StrictMode>,
  );
}
