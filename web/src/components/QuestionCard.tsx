import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Question } from '../api';
import { focusIsAdrift, focusWithoutRing, isTextField, usedFromKeys } from '../focus';
import { tileClass, tileShape } from '../palette';
import { Countdown } from './Countdown';

export interface QuestionCardProps {
  question: Question;
  questionCount: number | null;
  offsetMs: number;
  /** True while answers are taken (open, not yet answered, not timed out). */
  canAnswer: boolean;
  /** The answer this player sent, if any. */
  chosen: string | null;
  /** Shown on the choices once the question closed. */
  correctAnswer: string | null;
  /** Whether the question is still open (shows the countdown). */
  open: boolean;
  onAnswer: (answer: string) => void;
  onExpire?: () => void;
  /** Told what is typed in the answer box as it changes (a typed question). */
  onDraft?: (questionId: string, text: string) => void;
  /**
   * What the box holds as the question comes (a draft kept through a
   * reload); empty when not given. Read when the question changes, or when
   * this first becomes known for it.
   */
  initialText?: string;
}

const KEYS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

/** The letter of a choice (A, B, C…), the same on the phones and the big screen. */
export function choiceKey(index: number): string {
  return KEYS[index] ?? String(index + 1);
}

/** One question: prompt, countdown, and choice buttons or a text box. */
export function QuestionCard({
  question,
  questionCount,
  offsetMs,
  canAnswer,
  chosen,
  correctAnswer,
  open,
  onAnswer,
  onExpire,
  onDraft,
  initialText = '',
}: QuestionCardProps) {
  const [text, setText] = useState(initialText);
  const promptId = useId();
  const inputId = useId();
  const choices = question.kind === 'choice' ? (question.choices ?? []) : [];

  useEffect(() => setText(initialText), [question.question_id, initialText]);

  // A question takes the keyboard as it opens: a student can type at once,
  // or pick the first choice (Tab or the letter keys for the others). Not
  // from someone whose focus is elsewhere on purpose. The first choice
  // shows its ring only to a keyboard player: on a phone, after a reload or
  // a typed answer, a ringed choice nobody picked looks chosen.
  const textInput = useRef<HTMLInputElement>(null);
  const firstChoice = useRef<HTMLButtonElement>(null);
  const typed = question.kind !== 'choice';
  useEffect(() => {
    if (!canAnswer || !focusIsAdrift()) return;
    if (typed) textInput.current?.focus();
    else if (firstChoice.current && usedFromKeys()) firstChoice.current.focus();
    else if (firstChoice.current) focusWithoutRing(firstChoice.current);
  }, [typed, canAnswer, question.question_id]);

  // Keys 1–9 (or A–H) pick a choice, for keyboard players.
  useEffect(() => {
    if (!canAnswer || choices.length === 0) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey || isTextField(event.target)) return;
      const key = event.key.toUpperCase();
      let index = /^[1-9]$/.test(key) ? Number(key) - 1 : KEYS.indexOf(key);
      if (index < 0 || index >= choices.length) index = -1;
      if (index >= 0) {
        event.preventDefault();
        onAnswer(choices[index]);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [canAnswer, choices, onAnswer]);

  const submitText = (event: FormEvent) => {
    event.preventDefault();
    const answer = text.trim();
    if (answer && canAnswer) onAnswer(answer);
  };

  return (
    <section className="card question" aria-labelledby={promptId}>
      <div className="question-head">
        <p className="question-meta">
          Question {question.index + 1}
          {questionCount ? ` of ${questionCount}` : ''}
        </p>
        {open && (
          <Countdown
            closesAt={question.closes_at}
            opensAt={question.opens_at}
            offsetMs={offsetMs}
            limitSeconds={question.seconds}
            onExpire={onExpire}
          />
        )}
      </div>
      <h2 id={promptId} className="question-prompt" data-testid="question-prompt">
        {question.prompt}
      </h2>
      {question.kind === 'choice' ? (
        <div className="choices" role="group" aria-labelledby={promptId}>
          {choices.map((choice, index) => {
            const isCorrect = correctAnswer !== null && choice === correctAnswer;
            const isChosen = chosen === choice;
            const state = isCorrect ? ' is-correct' : isChosen && correctAnswer !== null ? ' is-wrong' : '';
            return (
              <button
                key={`${index}-${choice}`}
                ref={index === 0 ? firstChoice : undefined}
                type="button"
                className={`choice ${tileClass(choices, index)}${isChosen ? ' is-chosen' : ''}${state}`}
                data-testid={`choice-${index}`}
                disabled={!canAnswer}
                aria-pressed={isChosen}
                aria-keyshortcuts={index < 9 ? String(index + 1) : undefined}
                onClick={() => onAnswer(choice)}
              >
                <span className="choice-key" aria-hidden="true">
                  {KEYS[index] ?? index + 1}
                </span>
                <span className="choice-text">{choice}</span>
                {/* The right answer says so in a word, not only in the green of its
                    outline: its tile may be red, which reads as wrong. */}
                {isCorrect ? (
                  <span className="choice-verdict" aria-hidden="true" data-testid="choice-correct-mark">
                    Correct
                  </span>
                ) : (
                  <span className="choice-shape" aria-hidden="true">
                    {tileShape(index)}
                  </span>
                )}
                {isCorrect && <span className="visually-hidden"> (correct answer)</span>}
                {isChosen && <span className="visually-hidden"> (your answer)</span>}
              </button>
            );
          })}
        </div>
      ) : (
        <form className="text-answer" onSubmit={submitText}>
          <label htmlFor={inputId}>Your answer</label>
          <div className="text-answer-row">
            <input
              ref={textInput}
              id={inputId}
              data-testid="text-answer-input"
              type="text"
              value={chosen !== null && !canAnswer ? chosen : text}
              onChange={(event) => {
                setText(event.target.value);
                onDraft?.(question.question_id, event.target.value);
              }}
              disabled={!canAnswer}
              autoComplete="off"
              autoCapitalize="off"
              autoCorrect="off"
              spellCheck={false}
              maxLength={200}
              enterKeyHint="send"
            />
            <button
              type="submit"
              className="button primary"
              data-testid="submit-answer"
              disabled={!canAnswer || text.trim() === ''}
            >
              Submit
            </button>
          </div>
          {correctAnswer !== null && (
            <p className="correct-answer" data-testid="correct-answer">
              Correct answer: <strong>{correctAnswer}</strong>
            </p>
          )}
        </form>
      )}
    </section>
  );
}
