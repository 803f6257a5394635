import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError, type ApiClient, type Mode, type QuizSummary, type SessionInfo } from '../api';
import { describeError, describeQuizError, ordinal } from '../format';
import { browserStorage, type HostedSessions } from '../hosted';
import { draftFromQuiz, type DraftOrigin, type QuizDraft } from '../quizDraft';
import { ConfirmDialog } from './ConfirmDialog';
import { QuizEditor, hasDraft, waitingDraft } from './QuizEditor';
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

/** The quizzes to pick from: the teacher's own first, then the others (the shipped ones among them). */
interface QuizLists {
  mine: QuizSummary[];
  others: QuizSummary[];
}

/** What the setup asks before it acts. */
type Asking =
  /** `name`: the quiz as the list names it (its title, told apart from one reading the same). */
  | { kind: 'delete'; quiz: DraftOrigin; name: string }
  /** After a corrected copy of `quiz` was saved: delete the old one? */
  | { kind: 'delete-old'; quiz: DraftOrigin }
  | { kind: 'replace-draft'; quiz: DraftOrigin };

/**
 * Split the whole list into the teacher's own quizzes, newest first (the
 * server lists them oldest first: a corrected copy comes first, and is the
 * one picked, after a reload too), and the others, in the server's order.
 */
function grouped(all: QuizSummary[], mine: QuizSummary[]): QuizLists {
  const own = new Set(mine.map((quiz) => quiz.quiz_id));
  return { mine: [...mine].reverse(), others: all.filter((quiz) => !own.has(quiz.quiz_id)) };
}

/**
 * How the teacher's quizzes that would read the same in the list (a
 * corrected copy kept beside its original) are told apart, by quiz_id:
 * "newer" and "older" for two, "newest", "2nd newest"… "oldest" for more.
 * `mine` is newest first.
 */
function ages(mine: QuizSummary[]): Map<string, string> {
  const alike = new Map<string, QuizSummary[]>();
  for (const quiz of mine) {
    const label = quizLabel(quiz);
    alike.set(label, [...(alike.get(label) ?? []), quiz]);
  }
  const told = new Map<string, string>();
  for (const same of alike.values()) {
    if (same.length < 2) continue;
    same.forEach((quiz, at) => {
      const age =
        same.length === 2
          ? at === 0
            ? 'newer'
            : 'older'
          : at === 0
            ? 'newest'
            : at === same.length - 1
              ? 'oldest'
              : `${ordinal(at + 1)} newest`;
      told.set(quiz.quiz_id, age);
    });
  }
  return told;
}

/** The quiz to pick once `quizId` leaves the list: the next one, else the one before. */
function pickAfter(ordered: QuizSummary[], quizId: string): string {
  const at = ordered.findIndex((quiz) => quiz.quiz_id === quizId);
  const rest = ordered.filter((quiz) => quiz.quiz_id !== quizId);
  if (rest.length === 0) return '';
  return rest[Math.min(Math.max(at, 0), rest.length - 1)].quiz_id;
}

function quizLabel(quiz: QuizSummary): string {
  const about = [quiz.language.toUpperCase(), quiz.level].filter(Boolean).join(' ');
  return `${quiz.title} · ${about} · ${quiz.question_count} ${quiz.question_count === 1 ? 'question' : 'questions'}`;
}

/** A quiz's title, with what tells it apart from one of the teacher's reading the same ("Verbs 1 · older"). */
function quizName(quiz: DraftOrigin, told: Map<string, string>): string {
  const age = told.get(quiz.quiz_id);
  return age ? `${quiz.title} · ${age}` : quiz.title;
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

/**
 * Pick a quiz and create a session of it, or go back to one still open. The
 * teacher's own quizzes come first; the one picked can be corrected (a copy
 * opens in the editor, saved as a new quiz) or deleted.
 */
export function HostSetup({ api, hosted, userId, onCreated, drafts = browserStorage() }: HostSetupProps) {
  const { open: stillOpen, past } = useHostedHere(api, hosted, userId);
  const [lists, setLists] = useState<QuizLists | null>(null);
  const [editing, setEditing] = useState(false);
  // A copy of a saved quiz the editor opens with (instead of the draft kept).
  const [start, setStart] = useState<QuizDraft | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  // Read once per visit to this form, not at every keystroke in it.
  const draftWaiting = useMemo(() => (editing ? null : waitingDraft(drafts, userId)), [drafts, userId, editing]);
  const [asking, setAsking] = useState<Asking | null>(null);
  // What is under way on a quiz of the teacher's, said in the status line.
  const [working, setWorking] = useState<string | null>(null);
  const [deleted, setDeleted] = useState<string | null>(null);
  // The quiz list takes the keyboard after the next render (a dialog closed, the quiz gone).
  const focusList = useRef(false);
  // Back from the editor: the keyboard goes on with the draft if one waits, else to the list.
  const focusAfterEditor = useRef(false);
  // Bumped when the editor opens otherwise: a copy read late does not replace it.
  const copyAsked = useRef(0);
  const newQuizButton = useRef<HTMLButtonElement>(null);
  const [quizId, setQuizId] = useState('');
  const [mode, setMode] = useState<Mode>('live');
  const [seconds, setSeconds] = useState('20');
  // Self-paced play is mostly homework, where the right answer is the lesson.
  const [showAnswers, setShowAnswers] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const quizField = useId();
  const modeField = useId();
  const secondsField = useId();
  const modeHint = useId();
  const showAnswersHint = useId();

  // Arriving from the sign-in form (gone, and its focus with it): start here,
  // once the quizzes are in (the list is disabled until then).
  useEffect(() => {
    if (lists && (document.activeElement === document.body || document.activeElement === null)) {
      document.getElementById(quizField)?.focus();
    }
  }, [quizField, lists]);

  // After every render, so after a dialog that just closed gave the focus back to its opener.
  useEffect(() => {
    if (!focusList.current && !focusAfterEditor.current) return;
    const toDraft = focusAfterEditor.current && draftWaiting !== null;
    focusList.current = false;
    focusAfterEditor.current = false;
    const select = document.getElementById(quizField) as HTMLSelectElement | null;
    if (!toDraft && select && !select.disabled) select.focus();
    else newQuizButton.current?.focus();
  });

  useEffect(() => {
    let cancelled = false;
    Promise.all([
      api.listQuizzes(),
      // Without the teacher's own list (an older server), every quiz is listed as before.
      api.listQuizzes({ mine: true }).catch(() => [] as QuizSummary[]),
    ])
      .then(([all, mine]) => {
        if (cancelled) return;
        const found = grouped(all, mine);
        setLists(found);
        const first = found.mine[0] ?? found.others[0];
        if (first) setQuizId((current) => current || first.quiz_id);
      })
      .catch((ex: unknown) => {
        if (!cancelled) setError(describeError(ex));
      });
    return () => {
      cancelled = true;
    };
  }, [api]);

  const closeDialog = useCallback(() => setAsking(null), []);
  const keepOld = useCallback(() => {
    focusList.current = true;
    setAsking(null);
  }, []);

  const ordered = lists ? [...lists.mine, ...lists.others] : [];
  const selected = ordered.find((quiz) => quiz.quiz_id === quizId) ?? null;
  const selectedMine = selected !== null && lists !== null && lists.mine.includes(selected);
  const mineList = lists?.mine;
  const told = useMemo(() => ages(mineList ?? []), [mineList]);
  const nameOf = (quiz: DraftOrigin) => quizName(quiz, told);

  /** Take a quiz off the list; the next one is picked in its place (else the one before). */
  const dropQuiz = (quizId: string) => {
    const next = pickAfter(ordered, quizId);
    setLists(
      (known) =>
        known && {
          mine: known.mine.filter((other) => other.quiz_id !== quizId),
          others: known.others.filter((other) => other.quiz_id !== quizId),
        },
    );
    setQuizId((current) => (current === quizId ? next : current));
  };

  /**
   * Delete one of the teacher's quizzes (asked first): it leaves the list, the
   * next one is picked. `name`: the quiz as the list named it.
   */
  const remove = async (quiz: DraftOrigin, old: boolean, name = quiz.title) => {
    if (working) return;
    setError(null);
    setDeleted(null);
    if (!old) setSaved(null);
    setWorking(`Deleting ${name}…`);
    try {
      await api.deleteQuiz(quiz.quiz_id);
    } catch (ex) {
      setWorking(null);
      setError(describeQuizError(ex, `delete ${name}`));
      return;
    }
    setWorking(null);
    dropQuiz(quiz.quiz_id);
    setDeleted(old ? `the old ${quiz.title}` : name);
    focusList.current = true;
  };

  /** Open a copy of one of the teacher's quizzes in the editor, answers included. */
  const openCopy = async (quiz: DraftOrigin) => {
    if (working) return;
    setError(null);
    setSaved(null);
    setDeleted(null);
    setWorking(`Opening a copy of ${quiz.title}…`);
    copyAsked.current += 1;
    const asked = copyAsked.current;
    try {
      const source = await api.quizSource(quiz.quiz_id);
      if (asked !== copyAsked.current) return;
      setStart(draftFromQuiz(source, quiz));
      setEditing(true);
    } catch (ex) {
      setError(describeQuizError(ex, `open ${quiz.title} to correct it`));
    } finally {
      setWorking(null);
    }
  };

  /** Correct a quiz: a draft waiting in this browser is replaced only with the teacher's word. */
  const correct = (quiz: DraftOrigin) => {
    if (working) return;
    if (hasDraft(drafts, userId)) setAsking({ kind: 'replace-draft', quiz });
    else void openCopy(quiz);
  };

  if (editing) {
    return (
      <QuizEditor
        api={api}
        storage={drafts}
        userId={userId}
        start={start}
        onSaved={(quiz, copyOf) => {
          setEditing(false);
          setStart(null);
          // The teacher's: first in the list, and picked.
          setLists((known) => ({
            mine: [quiz, ...(known?.mine ?? []).filter((other) => other.quiz_id !== quiz.quiz_id)],
            others: (known?.others ?? []).filter((other) => other.quiz_id !== quiz.quiz_id),
          }));
          setQuizId(quiz.quiz_id);
          setSaved(quiz.title);
          setDeleted(null);
          // A corrected copy: the old one may go now (unless it went already).
          const oldListed = lists === null || ordered.some((other) => other.quiz_id === copyOf?.quiz_id);
          if (copyOf && copyOf.quiz_id !== quiz.quiz_id && oldListed) setAsking({ kind: 'delete-old', quiz: copyOf });
        }}
        onCancel={() => {
          focusAfterEditor.current = true;
          setEditing(false);
          setStart(null);
        }}
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
        // Only self-paced players meet a question alone; live, the reveal shows it to the room.
        ...(mode === 'self_paced' && { show_answers: showAnswers }),
      });
      onCreated(created.session_id);
    } catch (ex) {
      // Deleted by its author since the list was read: it leaves the list, the next is picked.
      if (ex instanceof ApiError && ex.status === 404 && ex.code === 'quiz_not_found') dropQuiz(quizId);
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
      <div className="setup-status" role="status">
        {saved && (
          <p className="saved-note" data-testid="quiz-saved">
            Saved “{saved}”: it is picked below, ready to host.
          </p>
        )}
        {working && <p className="hint">{working}</p>}
        {deleted && (
          <p className="saved-note" data-testid="quiz-deleted">
            Deleted {deleted}.
          </p>
        )}
      </div>
      <form onSubmit={create} noValidate>
        <div className="field">
          <div className="label-row">
            <label htmlFor={quizField}>Quiz</label>
            <button
              ref={newQuizButton}
              type="button"
              className="link-button"
              data-testid="host-new-quiz"
              onClick={() => {
                copyAsked.current += 1;
                setSaved(null);
                setDeleted(null);
                setStart(null);
                setEditing(true);
              }}
            >
              {draftWaiting?.copyOf
                ? `Go on with your copy of ${draftWaiting.copyOf.title}`
                : draftWaiting
                  ? 'Go on with your draft quiz'
                  : 'Write a new quiz'}
            </button>
          </div>
          <select
            id={quizField}
            data-testid="host-quiz-select"
            value={quizId}
            onChange={(event) => setQuizId(event.target.value)}
            disabled={ordered.length === 0}
          >
            {lists === null && <option value="">Loading quizzes…</option>}
            {lists !== null && ordered.length === 0 && <option value="">No quizzes available</option>}
            {lists !== null && lists.mine.length > 0 ? (
              <>
                <optgroup label="Your quizzes">{lists.mine.map((quiz) => quizOption(quiz, told))}</optgroup>
                {lists.others.length > 0 && (
                  <optgroup label="Other quizzes">{lists.others.map((quiz) => quizOption(quiz))}</optgroup>
                )}
              </>
            ) : (
              lists?.others.map((quiz) => quizOption(quiz))
            )}
          </select>
          {selected && selectedMine && (
            <div className="quiz-actions" data-testid="host-quiz-actions">
              <button
                type="button"
                className="link-button"
                data-testid="host-quiz-correct"
                aria-label={`Correct ${nameOf(selected)}`}
                onClick={() => correct(selected)}
              >
                Correct this quiz
              </button>
              <button
                type="button"
                className="link-button danger-link"
                data-testid="host-quiz-delete"
                aria-label={`Delete ${nameOf(selected)}`}
                onClick={() => {
                  if (!working) setAsking({ kind: 'delete', quiz: selected, name: nameOf(selected) });
                }}
              >
                Delete this quiz
              </button>
            </div>
          )}
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
        {mode === 'self_paced' && (
          <div className="field check-field">
            <label>
              <input
                type="checkbox"
                data-testid="host-show-answers"
                checked={showAnswers}
                onChange={(event) => setShowAnswers(event.target.checked)}
                aria-describedby={showAnswersHint}
              />
              Show the right answer after each question
            </label>
            <p id={showAnswersHint} className="hint">
              Students then see the answer once they have answered or run out of time.
            </p>
          </div>
        )}
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
      {asking?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${asking.name}?`}
          confirmLabel="Delete"
          onConfirm={() => {
            setAsking(null);
            void remove(asking.quiz, false, asking.name);
          }}
          onCancel={closeDialog}
          testId="quiz-delete-dialog"
        >
          <p>It leaves your list; quizzes already played from it keep their results.</p>
        </ConfirmDialog>
      )}
      {asking?.kind === 'delete-old' && (
        <ConfirmDialog
          title={`Delete the old ${asking.quiz.title}?`}
          confirmLabel="Delete"
          cancelLabel="Keep it"
          onConfirm={() => {
            focusList.current = true;
            setAsking(null);
            void remove(asking.quiz, true);
          }}
          onCancel={keepOld}
          testId="quiz-delete-dialog"
        >
          <p>
            Your corrected copy is saved and picked. The old one leaves your list; quizzes already played from it
            keep their results.
          </p>
        </ConfirmDialog>
      )}
      {asking?.kind === 'replace-draft' && (
        <ConfirmDialog
          title={`Replace your unsaved draft with a copy of ${asking.quiz.title}?`}
          confirmLabel="Replace the draft"
          cancelLabel="Keep my draft"
          onConfirm={() => {
            setAsking(null);
            void openCopy(asking.quiz);
          }}
          onCancel={closeDialog}
          testId="quiz-replace-dialog"
        >
          <p>The quiz you were writing and have not saved will be lost.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** One quiz of the list; `told` tells apart the teacher's that would read the same. */
function quizOption(quiz: QuizSummary, told?: Map<string, string>) {
  const age = told?.get(quiz.quiz_id);
  return (
    <option key={quiz.quiz_id} value={quiz.quiz_id}>
      {age ? `${quizLabel(quiz)} · ${age}` : quizLabel(quiz)}
    </option>
  );
}
