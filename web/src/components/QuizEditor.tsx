import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import type { ApiClient, QuestionKind, QuizSummary } from '../api';
import { describeError } from '../format';
import { ConfirmDialog } from './ConfirmDialog';
import { SecondsInput } from './SecondsInput';
import {
  MAX_CHOICES,
  MAX_QUESTIONS,
  MIN_CHOICES,
  draftFromFile,
  emptyDraft,
  emptyQuestion,
  hasProblems,
  isBlank,
  isUntouchedCopy,
  parseDraft,
  problemsOf,
  toNewQuiz,
  type DraftOrigin,
  type DraftProblems,
  type DraftQuestion,
  type QuizDraft,
} from '../quizDraft';

export interface QuizEditorProps {
  api: ApiClient;
  /** Where this user's unsaved draft is kept (a reload or a closed tab keeps the work); null where storage is blocked. */
  storage: Storage | null;
  userId: string | null;
  /**
   * A draft to begin with instead of the one kept (a copy of a saved quiz to
   * correct): it takes the kept draft's place.
   */
  start?: QuizDraft | null;
  /** The quiz was saved; `copyOf` is the saved quiz the draft was a corrected copy of. */
  onSaved: (quiz: QuizSummary, copyOf?: DraftOrigin) => void;
  onCancel: () => void;
}

const LETTERS = 'ABCDEFGHIJ';

function draftKey(userId: string | null): string {
  return `quizcore.quizDraft.${userId ?? 'anonymous'}`;
}

/** Storage may be blocked or full: the draft then lives as long as the page. */
function kept(storage: Storage | null, act: (storage: Storage) => string | null | void): string | null {
  try {
    return storage ? (act(storage) ?? null) : null;
  } catch {
    return null;
  }
}

/** The draft kept for this user, unless it is a copy of a saved quiz nothing was changed in. */
function keptDraft(storage: Storage | null, userId: string | null): QuizDraft | null {
  const draft = parseDraft(kept(storage, (store) => store.getItem(draftKey(userId))));
  return draft !== null && !isUntouchedCopy(draft) ? draft : null;
}

/**
 * This user's draft quiz in progress in this browser; null when none (or
 * nothing typed yet, or a copy to correct left as it opened: nothing to lose).
 */
export function waitingDraft(storage: Storage | null, userId: string | null): QuizDraft | null {
  const draft = keptDraft(storage, userId);
  return draft !== null && !isBlank(draft) ? draft : null;
}

/** True when this user has a draft quiz in progress in this browser. */
export function hasDraft(storage: Storage | null, userId: string | null): boolean {
  return waitingDraft(storage, userId) !== null;
}

interface QuestionEditorProps {
  question: DraftQuestion;
  index: number;
  count: number;
  problems: string[] | undefined;
  onChange: (question: DraftQuestion) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}

function QuestionEditor({ question, index, count, problems, onChange, onMove, onRemove }: QuestionEditorProps) {
  const base = useId();
  const set = (change: Partial<DraftQuestion>) => onChange({ ...question, ...change });
  const setChoice = (at: number, value: string) =>
    set({ choices: question.choices.map((choice, i) => (i === at ? value : choice)) });
  const removeChoice = (at: number) => {
    const correct = question.correct;
    set({
      choices: question.choices.filter((_, i) => i !== at),
      correct: correct === null || correct === at ? null : correct > at ? correct - 1 : correct,
    });
  };
  const number = index + 1;
  // A choice just added takes the keyboard.
  const focusChoice = useRef<number | null>(null);
  const choicesBox = useRef<HTMLFieldSetElement>(null);
  useEffect(() => {
    if (focusChoice.current === null) return;
    choicesBox.current?.querySelectorAll<HTMLInputElement>('[data-testid="editor-choice"]')[focusChoice.current]?.focus();
    focusChoice.current = null;
  }, [question.choices.length]);
  return (
    <li className="editor-question" data-testid="editor-question">
      <fieldset tabIndex={-1} aria-describedby={problems ? `${base}-problems` : undefined}>
        <legend>Question {number}</legend>
        <div className="field">
          <label htmlFor={`${base}-prompt`}>Question</label>
          <textarea
            id={`${base}-prompt`}
            data-testid="editor-prompt"
            rows={2}
            value={question.prompt}
            onChange={(event) => set({ prompt: event.target.value })}
            placeholder="Choose the synonym of 'begin'"
          />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${base}-kind`}>Players answer by</label>
            <select
              id={`${base}-kind`}
              data-testid="editor-kind"
              value={question.kind}
              onChange={(event) => set({ kind: event.target.value as QuestionKind })}
            >
              <option value="choice">Picking a choice</option>
              <option value="text">Typing the answer</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${base}-seconds`}>Seconds (optional)</label>
            <SecondsInput
              id={`${base}-seconds`}
              testId="editor-seconds"
              placeholder="the session's"
              value={question.seconds}
              onChange={(seconds) => set({ seconds })}
            />
          </div>
        </div>
        {question.kind === 'choice' ? (
          <fieldset className="editor-choices" ref={choicesBox}>
            <legend>Choices: mark the right one</legend>
            {question.choices.map((choice, at) => (
              <div className="editor-choice" key={at}>
                <input
                  type="radio"
                  name={`${base}-correct`}
                  data-testid="editor-correct"
                  aria-label={`Choice ${LETTERS[at]} is the right one`}
                  checked={question.correct === at}
                  onChange={() => set({ correct: at })}
                />
                <input
                  type="text"
                  data-testid="editor-choice"
                  aria-label={`Choice ${LETTERS[at]}`}
                  value={choice}
                  onChange={(event) => setChoice(at, event.target.value)}
                />
                {question.choices.length > MIN_CHOICES && (
                  <button
                    type="button"
                    className="link-button"
                    aria-label={`Remove choice ${LETTERS[at]}`}
                    onClick={() => removeChoice(at)}
                  >
                    Remove
                  </button>
                )}
              </div>
            ))}
            {question.choices.length < MAX_CHOICES && (
              <button
                type="button"
                className="link-button"
                data-testid="editor-add-choice"
                onClick={() => {
                  set({ choices: [...question.choices, ''] });
                  focusChoice.current = question.choices.length;
                }}
              >
                Add a choice
              </button>
            )}
          </fieldset>
        ) : (
          <>
            <div className="field">
              <label htmlFor={`${base}-answer`}>Answer</label>
              <input
                id={`${base}-answer`}
                data-testid="editor-answer"
                type="text"
                value={question.answer}
                onChange={(event) => set({ answer: event.target.value })}
                aria-describedby={`${base}-answer-hint`}
              />
              <p id={`${base}-answer-hint`} className="hint">
                Case, extra spaces and punctuation at either end do not matter.
              </p>
            </div>
            <div className="field">
              <label htmlFor={`${base}-accept`}>Also accept (one per line, optional)</label>
              <textarea
                id={`${base}-accept`}
                data-testid="editor-accept"
                rows={2}
                value={question.accept}
                onChange={(event) => set({ accept: event.target.value })}
              />
            </div>
          </>
        )}
        <div className="editor-question-actions">
          <button
            type="button"
            className="link-button"
            aria-label={`Move question ${number} up`}
            disabled={index === 0}
            onClick={() => onMove(-1)}
          >
            Move up
          </button>
          <button
            type="button"
            className="link-button"
            aria-label={`Move question ${number} down`}
            disabled={index === count - 1}
            onClick={() => onMove(1)}
          >
            Move down
          </button>
          <button
            type="button"
            className="link-button"
            data-testid="editor-remove"
            aria-label={`Remove question ${number}`}
            disabled={count === 1}
            onClick={onRemove}
          >
            Remove
          </button>
        </div>
        {problems && (
          <ul id={`${base}-problems`} className="form-error editor-problems" data-testid="editor-problems">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
      </fieldset>
    </li>
  );
}

/** Write a new quiz, or load one from a quiz file, or correct a copy of a saved one, and save it. */
export function QuizEditor({ api, storage, userId, start = null, onSaved, onCancel }: QuizEditorProps) {
  const key = draftKey(userId);
  const [draft, setDraft] = useState<QuizDraft>(() => start ?? keptDraft(storage, userId) ?? emptyDraft());
  // Problems show once the teacher tried to save, and follow each change after.
  const [shown, setShown] = useState<DraftProblems | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const titleField = useId();
  const levelField = useId();
  const fileField = useId();
  const copyNote = useId();
  const focusPrompt = useRef<number | null>(null);
  // After a failed save: the question to focus (-1: the title).
  const focusInvalid = useRef<number | null>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    kept(storage, (store) => store.setItem(key, JSON.stringify(draft)));
  }, [storage, key, draft]);

  // Opened from a control that is gone with the page it was on: start at the title.
  useEffect(() => {
    if (document.activeElement === document.body || document.activeElement === null) {
      document.getElementById(titleField)?.focus();
    }
  }, [titleField]);

  // A question just added takes the keyboard.
  useEffect(() => {
    if (focusPrompt.current === null) return;
    const prompts = list.current?.querySelectorAll<HTMLTextAreaElement>('[data-testid="editor-prompt"]');
    prompts?.[focusPrompt.current]?.focus();
    focusPrompt.current = null;
  }, [draft.questions.length]);

  useEffect(() => {
    const at = focusInvalid.current;
    if (at === null) return;
    focusInvalid.current = null;
    if (at < 0) document.getElementById(titleField)?.focus();
    else list.current?.querySelectorAll<HTMLElement>('.editor-question > fieldset')[at]?.focus();
  }, [shown, titleField]);

  const update = (next: QuizDraft) => {
    setDraft(next);
    if (shown) setShown(problemsOf(next));
  };
  const setQuestion = (at: number, question: DraftQuestion) =>
    update({ ...draft, questions: draft.questions.map((old, i) => (i === at ? question : old)) });
  const move = (at: number, by: -1 | 1) => {
    const questions = [...draft.questions];
    [questions[at], questions[at + by]] = [questions[at + by], questions[at]];
    update({ ...draft, questions });
  };
  const remove = (at: number) => update({ ...draft, questions: draft.questions.filter((_, i) => i !== at) });
  const add = () => {
    focusPrompt.current = draft.questions.length;
    update({ ...draft, questions: [...draft.questions, emptyQuestion()] });
  };

  // A file read while the draft holds work waits for the teacher's word.
  const [fromFile, setFromFile] = useState<QuizDraft | null>(null);
  const take = (loaded: QuizDraft) => {
    setFromFile(null);
    setError(null);
    setDraft(loaded);
    setShown(problemsOf(loaded));
  };
  const load = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    try {
      const loaded = draftFromFile(await file.text());
      if (isBlank(draft)) take(loaded);
      else setFromFile(loaded);
    } catch (ex) {
      setError(ex instanceof Error ? ex.message : String(ex));
    }
  };

  const save = async () => {
    const problems = problemsOf(draft);
    setShown(problems);
    if (hasProblems(problems)) {
      setError('Some questions need a fix before the quiz can be saved (see below each one).');
      // The first thing to fix takes the keyboard (it may be far up a long quiz).
      const first = problems.quiz.length > 0 ? -1 : draft.questions.findIndex((q) => problems.questions[q.key]);
      focusInvalid.current = first;
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const quiz = toNewQuiz(draft);
      const created = await api.createQuiz(quiz);
      kept(storage, (store) => store.removeItem(key));
      const summary: QuizSummary = {
        quiz_id: created.quiz_id,
        title: quiz.title,
        language: quiz.language ?? 'en',
        level: quiz.level ?? '',
        question_count: quiz.questions.length,
      };
      if (draft.copyOf) onSaved(summary, draft.copyOf);
      else onSaved(summary);
    } catch (ex) {
      setError(describeError(ex));
    } finally {
      setBusy(false);
    }
  };

  // Back: a copy to correct left as it opened is dropped (nothing to go on
  // with, nothing to ask about next time); any other draft is kept.
  const back = () => {
    if (isUntouchedCopy(draft)) kept(storage, (store) => store.removeItem(key));
    onCancel();
  };

  const [confirmStartOver, setConfirmStartOver] = useState(false);
  const startOver = () => {
    setConfirmStartOver(false);
    setError(null);
    setShown(null);
    setDraft(emptyDraft());
  };

  return (
    <section className="card quiz-editor" aria-labelledby="quiz-editor-title" data-testid="quiz-editor">
      <h1 id="quiz-editor-title">{draft.copyOf ? `Correct ${draft.copyOf.title}` : 'New quiz'}</h1>
      {draft.copyOf && (
        <p id={copyNote} className="hint copy-note" data-testid="editor-copy-of">
          A copy of “{draft.copyOf.title}” to correct: saving it makes a new quiz. The old one stays as it is
          until you delete it.
        </p>
      )}
      {/* Not a submitting form: Enter in a field must not save a half-written
          quiz, which cannot be changed once saved. */}
      <form onSubmit={(event) => event.preventDefault()} noValidate>
        <div className="field-row">
          <div className="field editor-title">
            <label htmlFor={titleField}>Title</label>
            <input
              id={titleField}
              data-testid="editor-title"
              type="text"
              value={draft.title}
              onChange={(event) => update({ ...draft, title: event.target.value })}
              placeholder="Animals, A1"
              aria-describedby={draft.copyOf ? copyNote : undefined}
            />
          </div>
          <div className="field editor-level">
            <label htmlFor={levelField}>Level (optional)</label>
            <input
              id={levelField}
              data-testid="editor-level"
              type="text"
              value={draft.level}
              onChange={(event) => update({ ...draft, level: event.target.value })}
              placeholder="A1"
            />
          </div>
        </div>
        {shown && shown.quiz.length > 0 && (
          <ul className="form-error editor-problems" data-testid="editor-quiz-problems">
            {shown.quiz.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
        <ol className="editor-questions" ref={list}>
          {draft.questions.map((question, at) => (
            <QuestionEditor
              key={question.key}
              question={question}
              index={at}
              count={draft.questions.length}
              problems={shown?.questions[question.key]}
              onChange={(changed) => setQuestion(at, changed)}
              onMove={(by) => move(at, by)}
              onRemove={() => remove(at)}
            />
          ))}
        </ol>
        {draft.questions.length < MAX_QUESTIONS && (
          <button type="button" className="button secondary wide" data-testid="editor-add-question" onClick={add}>
            Add a question
          </button>
        )}
        <div className="field editor-file">
          <label htmlFor={fileField}>Or load a quiz file (.json)</label>
          <input
            id={fileField}
            data-testid="editor-file"
            type="file"
            accept=".json,application/json"
            onChange={(event) => void load(event)}
          />
        </div>
        <p className="form-error" role="alert">
          {error}
        </p>
        <div className="editor-actions">
          <button type="button" className="button primary" data-testid="editor-save" disabled={busy} onClick={() => void save()}>
            {busy ? 'Saving…' : 'Save quiz'}
          </button>
          <button type="button" className="button secondary" data-testid="editor-back" onClick={back}>
            Back
          </button>
          <button
            type="button"
            className="link-button"
            data-testid="editor-start-over"
            onClick={() => setConfirmStartOver(true)}
          >
            Start over
          </button>
        </div>
        <p className="hint">
          This browser keeps your draft until you save it, through a reload or Back. A saved quiz cannot be
          changed: to fix one of yours, pick it on the host page and choose “Correct this quiz”, which opens a
          copy here.
        </p>
      </form>
      {fromFile && (
        <ConfirmDialog
          title="Replace this draft with the file?"
          confirmLabel="Load the file"
          cancelLabel="Keep my draft"
          onConfirm={() => take(fromFile)}
          onCancel={() => setFromFile(null)}
          testId="editor-file-dialog"
        >
          <p>Every question of this draft will be replaced by the file's.</p>
        </ConfirmDialog>
      )}
      {confirmStartOver && (
        <ConfirmDialog
          title="Start over?"
          confirmLabel="Clear the draft"
          cancelLabel="Keep it"
          onConfirm={startOver}
          onCancel={() => setConfirmStartOver(false)}
          testId="editor-start-over-dialog"
        >
          <p>Every question of this draft will be cleared.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
