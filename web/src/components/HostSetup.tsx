import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { ApiError, type ApiClient, type Mode, type QuizSummary, type SessionInfo } from '../api';
import { describeError } from '../format';
import { browserStorage, type HostedSessions } from '../hosted';
import { QuizEditor, hasDraft } from './QuizEditor';
import { SecondsInput } from './SecondsInput';

export interface HostSetupProps {
  api: ApiClient;
  /** The sessions this browser hosted: those still open are offered back. */
  hosted: HostedSessions;
  /** The signed-in user: only their own sessions are offered. */
  userId: string | null;
  onCreated: (sessionId: string) => void;
  /** Where the quiz editor keeps an unsaved draft (this browser's local storage, if allowed). */
  drafts?: Storage | null;
}

/** Where a session still open stands, in a few words. */
function standing(session: SessionInfo): string {
  if (session.status === 'lobby') return 'in the lobby';
  if (session.question_index === null) return 'running';
  return `question ${session.question_index + 1} of ${session.question_count}`;
}

/**
 * This browser's sessions of this host: those still open, for a teacher who
 * closed the projector's tab, and those finished, whose results and CSV stay
 * a click away. One that is gone or not theirs is forgotten; one that cannot
 * be read now is kept for next time.
 */
function useHostedHere(
  api: ApiClient,
  hosted: HostedSessions,
  userId: string | null,
): { open: SessionInfo[]; past: SessionInfo[] } {
  const [sessions, setSessions] = useState<SessionInfo[]>([]);
  useEffect(() => {
    let cancelled = false;
    const ids = hosted.list(userId);
    Promise.all(
      ids.map((id) =>
        api.getSession(id).then(
          ({ session }) => {
            if (session.host_id === userId) return session;
            hosted.forget(id, userId);
            return null;
          },
          (ex: unknown) => {
            if (ex instanceof ApiError && ex.status === 404) hosted.forget(id, userId);
            return null;
          },
        ),
      ),
    ).then((read) => {
      if (!cancelled) setSessions(read.filter((session): session is SessionInfo => session !== null));
    });
    return () => {
      cancelled = true;
    };
  }, [api, hosted, userId]);
  return {
    open: sessions.filter((session) => session.status !== 'finished'),
    past: sessions.filter((session) => session.status === 'finished'),
  };
}

/** Pick a quiz and create a session of it, or go back to one still open. */
export function HostSetup({ api, hosted, userId, onCreated, drafts = browserStorage() }: HostSetupProps) {
  const { open: stillOpen, past } = useHostedHere(api, hosted, userId);
  const [quizzes, setQuizzes] = useState<QuizSummary[] | null>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  // Read once per visit to this form, not at every keystroke in it.
  const draftWaiting = useMemo(() => !editing && hasDraft(drafts, userId), [drafts, userId, editing]);
  const [quizId, setQuizId] = useState('');
  const [mode, setMode] = useState<Mode>('live');
  const [seconds, setSeconds] = useState('20');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const quizField = useId();
  const modeField = useId();
  const secondsField = useId();
  const modeHint = useId();

  // Arriving from the sign-in form (gone, and its focus with it): start here,
  // once the quizzes are in (the list is disabled until then).
  useEffect(() => {
    if (quizzes && (document.activeElement === document.body || document.activeElement === null)) {
      document.getElementById(quizField)?.focus();
    }
  }, [quizField, quizzes]);

  useEffect(() => {
    let cancelled = false;
    api
      .listQuizzes()
      .then((items) => {
        if (cancelled) return;
        setQuizzes(items);
        if (items.length > 0) setQuizId((current) => current || items[0].quiz_id);
      })
      .catch((ex: unknown) => {
        if (!cancelled) setError(describeError(ex));
      });
    return () => {
      cancelled = true;
    };
  }, [api]);

  if (editing) {
    return (
      <QuizEditor
        api={api}
        storage={drafts}
        userId={userId}
        onSaved={(quiz) => {
          setEditing(false);
          // First in the list (which shows only its first page), and picked.
          setQuizzes((known) => [quiz, ...(known ?? []).filter((other) => other.quiz_id !== quiz.quiz_id)]);
          setQuizId(quiz.quiz_id);
          setSaved(quiz.title);
        }}
        onCancel={() => setEditing(false)}
      />
    );
  }

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const questionSeconds = Number(seconds);
    if (!quizId) {
      setError('Pick a quiz.');
      return;
    }
    if (!Number.isInteger(questionSeconds) || questionSeconds < 1 || questionSeconds > 300) {
      setError('Seconds per question must be a whole number from 1 to 300.');
      return;
    }
    setBusy(true);
    try {
      const created = await api.createSession({
        quiz_id: quizId,
        mode,
        question_seconds: questionSeconds,
        // A question closes once everyone answered: nobody waits for the timer.
        close_when_all_answered: true,
      });
      onCreated(created.session_id);
    } catch (ex) {
      setError(describeError(ex));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="host-setup-title">
      <h1 id="host-setup-title">Host a quiz</h1>
      {stillOpen.length > 0 && (
        <div className="still-open" data-testid="host-still-open">
          <p>{stillOpen.length === 1 ? 'Your quiz is still open:' : 'Your quizzes still open:'}</p>
          <ul>
            {stillOpen.map((session) => (
              <li key={session.session_id}>
                <a className="button secondary" href={`#/host/${session.session_id}`} data-testid="host-resume">
                  Back to {session.title} · {session.session_id} · {standing(session)}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
      {saved && (
        <p className="saved-note" role="status" data-testid="quiz-saved">
          Saved “{saved}”: it is picked below, ready to host.
        </p>
      )}
      <form onSubmit={create} noValidate>
        <div className="field">
          <div className="label-row">
            <label htmlFor={quizField}>Quiz</label>
            <button
              type="button"
              className="link-button"
              data-testid="host-new-quiz"
              onClick={() => {
                setSaved(null);
                setEditing(true);
              }}
            >
              {draftWaiting ? 'Go on with your draft quiz' : 'Write a new quiz'}
            </button>
          </div>
          <select
            id={quizField}
            data-testid="host-quiz-select"
            value={quizId}
            onChange={(event) => setQuizId(event.target.value)}
            disabled={!quizzes || quizzes.length === 0}
          >
            {quizzes === null && <option value="">Loading quizzes…</option>}
            {quizzes?.length === 0 && <option value="">No quizzes available</option>}
            {quizzes?.map((quiz) => (
              <option key={quiz.quiz_id} value={quiz.quiz_id}>
                {quiz.title} · {[quiz.language.toUpperCase(), quiz.level].filter(Boolean).join(' ')} ·{' '}
                {quiz.question_count}{' '}
                {quiz.question_count === 1 ? 'question' : 'questions'}
              </option>
            ))}
          </select>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={modeField}>Mode</label>
            <select
              id={modeField}
              data-testid="host-mode-select"
              value={mode}
              onChange={(event) => setMode(event.target.value as Mode)}
              aria-describedby={modeHint}
            >
              <option value="live">Live</option>
              <option value="self_paced">Self-paced</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={secondsField}>Seconds per question</label>
            <SecondsInput id={secondsField} testId="host-seconds-input" value={seconds} onChange={setSeconds} />
          </div>
        </div>
        <p id={modeHint} className="hint">
          {mode === 'live'
            ? 'Live: you move everyone through the questions together.'
            : 'Self-paced: each player moves through the questions alone until you finish the quiz.'}
        </p>
        <p className="form-error" role="alert">
          {error}
        </p>
        <button type="submit" className="button primary wide" data-testid="host-create" disabled={busy || !quizId}>
          {busy ? 'Creating…' : 'Create session'}
        </button>
      </form>
      {past.length > 0 && (
        <div className="past-sessions" data-testid="host-past">
          <h2>Results of your last quizzes</h2>
          <ul>
            {past.map((session) => (
              <li key={session.session_id}>
                <a href={`#/host/${session.session_id}`} data-testid="host-past-link">
                  {session.title} · {session.session_id} · {session.participant_count}{' '}
                  {session.participant_count === 1 ? 'player' : 'players'}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
