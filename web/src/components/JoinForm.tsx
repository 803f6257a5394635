import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ClientConfig } from '../api';
import type { AuthStore, StoredToken } from '../auth';
import { describeError, hasVisibleText, isLockedOut } from '../format';
import { ambiguousIn, isValidJoinCode, normaliseJoinCode } from '../joinCode';
import { Auth0Button, authChoice } from './SignInBits';

export interface JoinFormProps {
  config: ClientConfig;
  auth: AuthStore;
  token: StoredToken | null;
  initialCode: string;
  /**
   * The quiz ID whose host locked it before this player got in (409
   * `session_locked`): said while that quiz ID is in the form.
   */
  lockedCode?: string | null;
  /**
   * Tries the join of the locked quiz again (the player's own join request,
   * `POST .../participants`): while the locked note shows, every
   * RETRY_LOCKED_MS with the page visible, until it goes through (then
   * `onJoin`, as Join would), another error comes back, or the player
   * changes the quiz ID or their name. None: Join alone tries again.
   */
  retryJoin?: (code: string) => Promise<unknown>;
  onJoin: (code: string) => void;
  onLogin: (returnTo: string) => void;
}

/** The longest name the server takes. */
const NAME_MAX = 40;

/** How often a phone turned away from a locked quiz tries again by itself. */
export const RETRY_LOCKED_MS = 4000;

/** The player's start screen: name (or login) and quiz ID. */
export function JoinForm({
  config,
  auth,
  token,
  initialCode,
  lockedCode = null,
  retryJoin,
  onJoin,
  onLogin,
}: JoinFormProps) {
  const choice = authChoice(config, token);
  // A new tab of the same browser offers the name it last used (the device
  // key gets the same player back whatever the name).
  const [name, setName] = useState(
    token?.kind === 'dev' && token.name ? token.name : auth.lastName(),
  );
  const [code, setCode] = useState(initialCode);
  const [error, setError] = useState<string | null>(null);
  // A character typed that no quiz ID has (O, I, 0, 1): said, not just dropped.
  const [dropped, setDropped] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);
  const nameId = useId();
  const codeId = useId();
  const hintId = useId();
  const nameHintId = useId();
  const needsName = choice.dev && !choice.auth0SignedIn;
  // A retry found the quiz in another state (finished, gone): its error says so instead.
  const [lockedGone, setLockedGone] = useState(false);
  const locked = lockedCode !== null && !lockedGone && normaliseJoinCode(code) === lockedCode;
  // Back from a locked quiz: screen readers and keyboards start at what
  // happened (the next Tab reaches Join). Not when the note comes back as
  // the quiz ID is typed again.
  const lockedNote = useRef<HTMLParagraphElement>(null);
  const focusLocked = useRef(locked);
  useEffect(() => {
    if (focusLocked.current) lockedNote.current?.focus();
  }, []);

  // Turned away from a locked quiz, the phone tries again by itself every few
  // seconds while the page is seen, and joins as soon as the teacher lets it
  // in (a phone put down meanwhile tries when it is looked at again). Not
  // after the player changed the quiz ID or their name (Join then sends what
  // they typed), nor after another answer than "locked".
  const [waiting, setWaiting] = useState(
    () => locked && retryJoin !== undefined && token !== null && lockedCode !== null,
  );
  const retryRef = useRef(retryJoin);
  retryRef.current = retryJoin;
  const onJoinRef = useRef(onJoin);
  onJoinRef.current = onJoin;
  useEffect(() => {
    const retry = retryRef.current;
    if (!waiting || lockedCode === null || !retry) return;
    let stopped = false;
    let trying = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = async () => {
      timer = undefined;
      // Hidden: nothing until the page is seen again.
      if (stopped || trying || document.visibilityState === 'hidden') return;
      trying = true;
      try {
        await retry(lockedCode);
        if (stopped) return;
        setWaiting(false);
        onJoinRef.current(lockedCode);
      } catch (ex) {
        if (stopped) return;
        if (isLockedOut(ex)) {
          timer = setTimeout(attempt, RETRY_LOCKED_MS);
          return;
        }
        setWaiting(false);
        setLockedGone(true);
        setError(describeError(ex));
      } finally {
        trying = false;
      }
    };
    timer = setTimeout(attempt, RETRY_LOCKED_MS);
    const seen = () => {
      if (document.visibilityState !== 'visible' || trying) return;
      clearTimeout(timer);
      void attempt();
    };
    document.addEventListener('visibilitychange', seen);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', seen);
    };
  }, [waiting, lockedCode]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setWaiting(false);
    setError(null);
    const normalised = normaliseJoinCode(code);
    setCode(normalised);
    const trimmed = name.trim().replace(/\s+/g, ' ');
    if (!choice.dev && !choice.auth0) {
      setError('Sign-in is not configured on this server.');
      return;
    }
    if (!choice.dev && !choice.auth0SignedIn) {
      setError('Please log in first.');
      return;
    }
    if (needsName && !hasVisibleText(trimmed)) {
      setError('Please enter your name.');
      return;
    }
    if (!isValidJoinCode(normalised)) {
      // A character no quiz ID has was dropped from what was typed: the hint
      // says so, and the length may well be right once it is fixed.
      if (dropped) codeInput.current?.focus();
      else setError('A quiz ID has 6 to 8 letters and digits.');
      return;
    }
    setBusy(true);
    try {
      if (needsName) {
        const current = auth.snapshot();
        if (!(current?.kind === 'dev' && current.name === trimmed && auth.get())) {
          await auth.signInDev(trimmed);
        }
      }
      onJoin(normalised);
    } catch (ex) {
      setError(describeError(ex));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card join" aria-labelledby="join-title">
      <h1 id="join-title">Join a quiz</h1>
      <form onSubmit={submit} noValidate>
        {choice.auth0 && (
          <Auth0Button
            signedIn={choice.auth0SignedIn}
            onLogin={() => {
              const pending = normaliseJoinCode(code);
              onLogin(isValidJoinCode(pending) ? `#/join/${pending}` : '#/');
            }}
            onLogout={() => auth.signOut()}
          />
        )}
        {needsName && (
          <div className="field">
            <label htmlFor={nameId}>Your name</label>
            <input
              id={nameId}
              data-testid="name-input"
              type="text"
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                setWaiting(false);
              }}
              autoComplete="nickname"
              maxLength={NAME_MAX}
              aria-describedby={nameHintId}
              required
            />
            <p className="hint" id={nameHintId} data-testid="name-limit" aria-live="polite">
              {name.length >= NAME_MAX ? `Names are at most ${NAME_MAX} characters.` : null}
            </p>
          </div>
        )}
        <div className="field">
          <label htmlFor={codeId}>Quiz ID</label>
          <input
            ref={codeInput}
            id={codeId}
            className="code-input"
            data-testid="join-code-input"
            type="text"
            value={code}
            onChange={(event) => {
              const typed = event.target.value;
              const next = normaliseJoinCode(typed);
              setCode(next);
              setWaiting(false);
              // Said until the code is whole or cleared, not for one keystroke.
              setDropped((said) =>
                ambiguousIn(typed) ?? (next === '' || isValidJoinCode(next) ? null : said),
              );
            }}
            autoComplete="off"
            autoCapitalize="characters"
            autoCorrect="off"
            spellCheck={false}
            inputMode="text"
            aria-describedby={hintId}
            required
          />
          <p id={hintId} className="hint" data-testid="join-code-hint" aria-live="polite">
            {dropped
              ? `"${dropped}" is not in any quiz ID (they never contain O, I, 0 or 1): check the code on the screen.`
              : '6 to 8 characters. Quiz IDs never contain O, I, 0 or 1.'}
          </p>
        </div>
        {locked && (
          <p className="join-locked" role="alert" tabIndex={-1} ref={lockedNote} data-testid="join-locked">
            <strong>This quiz is locked.</strong>{' '}
            {waiting
              ? 'Ask your teacher to let you in. You will join as soon as they do.'
              : 'Ask your teacher to let you in, then press Join again.'}
          </p>
        )}
        <p className="form-error" role="alert" data-testid="join-error">
          {error}
        </p>
        <button type="submit" className="button primary wide" data-testid="join-button" disabled={busy}>
          {busy ? 'Joining…' : 'Join'}
        </button>
      </form>
      <p className="host-link">
        Running a class? <a href="#/host">Host a quiz</a>
      </p>
    </section>
  );
}
