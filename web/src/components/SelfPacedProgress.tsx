import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { ApiClient, PlayerProgress, SessionProgress } from '../api';
import { formatScore } from '../format';
import { leftUnfinished, useSeenHere } from '../useProgress';
import { DisplayName } from './DisplayName';
import { SelfPacedTyped, type TypedQuestion } from './SelfPacedTyped';
import type { TypedAnswersControls } from './TypedAnswers';

export interface SelfPacedProgressProps {
  api: ApiClient;
  quizId: string | null;
  /** question_id → answers scored so far (the boards' `answer_counts`). */
  answerCounts: Record<string, number>;
  participants: number;
  /** Each player's progress (v1.2, host only); null until read, or where the server has none. */
  progress?: SessionProgress | null;
  /**
   * (Host) Given: each typed question's bar offers what the class typed to it
   * so far (v1.2 `GET /questions/{id}/responses`), shown in `aside`'s place.
   */
  sessionId?: string;
  /** (Host) The words hidden from the projector this session, and a "Hide" on each row. */
  typedControls?: TypedAnswersControls;
  /** What stands beside the progress (the leaderboard), unless a question's typed answers are open there. */
  aside?: ReactNode;
}

/** A question of the quiz as the bars list it. */
interface QuizQuestionRow {
  question_id: string;
  prompt: string;
  /** Only a typed (text) question offers what the class typed. */
  typed: boolean;
}

/**
 * Players still working first, the furthest behind at the top (the ones a
 * teacher may need to help); then those who finished. Join order otherwise.
 */
function workingFirst(items: readonly PlayerProgress[]): PlayerProgress[] {
  return items
    .map((item, joined) => ({ item, joined }))
    .sort(
      (a, b) =>
        Number(a.item.done) - Number(b.item.done) ||
        (a.item.done ? 0 : a.item.reached - b.item.reached) ||
        a.joined - b.joined,
    )
    .map(({ item }) => item);
}

/** Where a player is, under "Question": "Finished", "Not started" or "5 of 8". */
function whereIs(item: PlayerProgress, questionCount: number): string {
  if (item.done) return 'Finished';
  if (item.reached === 0) return 'Not started';
  return `${item.reached} of ${questionCount}`;
}

/** A class larger than this gets the table's tighter rows (the lobby's names pack from there too). */
const ROOMY_CLASS = 12;

/** "3 of 4" right of those answered; a dash, not "0 of 0", before the first answer. */
function Correct({ item }: { item: PlayerProgress }) {
  if (item.answered === 0) {
    return (
      <>
        <span aria-hidden="true">–</span>
        <span className="visually-hidden">no answers yet</span>
      </>
    );
  }
  return (
    <>
      {item.correct} of {item.answered}
    </>
  );
}

/**
 * Before where a player who closed their screen unfinished stopped, under
 * "Question" (the name keeps its room): a word, not a colour alone, and said
 * in full to screen readers.
 */
function LeftMark() {
  return (
    <span className="progress-left" data-testid="self-paced-left" title="Closed the quiz page before finishing">
      <span aria-hidden="true">left</span>
      <span className="visually-hidden">Has closed the quiz page, at</span>
    </span>
  );
}

/**
 * A row per player: name, where they are (marked "left" when they closed
 * the page unfinished), correct of answered, and score.
 */
function StudentsTable({ progress, seenHere }: { progress: SessionProgress; seenHere: ReadonlySet<string> }) {
  const density = progress.items.length > ROOMY_CLASS ? 'dense' : 'roomy';
  return (
    <div className="progress-students" data-testid="self-paced-students">
      <table className={`progress-table progress-table-${density}`}>
        <caption className="visually-hidden">Each player's progress, those still working first</caption>
        <thead>
          <tr>
            <th scope="col">Player</th>
            <th scope="col">Question</th>
            <th scope="col" className="num">Correct</th>
            <th scope="col" className="num">Score</th>
          </tr>
        </thead>
        <tbody>
          {workingFirst(progress.items).map((item) => {
            const left = leftUnfinished(item, seenHere);
            return (
              <tr
                key={item.user_id}
                className={item.done ? 'is-done' : left ? 'is-left' : undefined}
                data-testid="self-paced-student"
                data-user-id={item.user_id}
                data-done={String(item.done)}
                data-here={typeof item.here === 'boolean' ? String(item.here) : ''}
              >
                <th scope="row">
                  <span className="progress-name" title={item.display_name}>
                    <DisplayName name={item.display_name} />
                  </span>
                </th>
                <td className={left ? 'progress-where has-left' : 'progress-where'}>
                  {left && <LeftMark />}
                  {whereIs(item, progress.question_count)}
                </td>
                <td className="num">
                  <Correct item={item} />
                </td>
                <td className="num">{formatScore(item.score)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A self-paced quiz on the host's screen: how many players finished, where
 * each one is, and how many answered each question so far, so the teacher
 * sees who is done, behind, stuck or gone, and when the class is done. For
 * the host, a typed question's bar opens what the class typed to it so far,
 * in `aside`'s place (given, the component renders both grid cells).
 */
export function SelfPacedProgress({
  api,
  quizId,
  answerCounts,
  participants,
  progress = null,
  sessionId,
  typedControls,
  aside,
}: SelfPacedProgressProps) {
  const [questions, setQuestions] = useState<QuizQuestionRow[] | null>(null);
  useEffect(() => {
    if (!quizId) return;
    let cancelled = false;
    api.getQuiz(quizId).then(
      (quiz) => {
        // Served in the quiz's order, each with its id.
        if (!cancelled) {
          setQuestions(
            quiz.questions.flatMap((question) =>
              question.question_id
                ? [{ question_id: question.question_id, prompt: question.prompt, typed: question.kind === 'text' }]
                : [],
            ),
          );
        }
      },
      () => {
        // Without the question list the players' table and the leaderboard still tell the story.
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, quizId]);

  // Who this page has seen here: only they can have left.
  const seenHere = useSeenHere(progress);

  // The typed question whose answers are open in the leaderboard's place.
  const [open, setOpen] = useState<TypedQuestion | null>(null);
  const panelId = useId();
  const toggles = useRef(new Map<string, HTMLButtonElement>());
  const close = useCallback(() => {
    // Back on the toggle that opened it (the panel's "Close" goes with the panel).
    if (open) toggles.current.get(open.question_id)?.focus();
    setOpen(null);
  }, [open]);

  const bars = questions && questions.length > 0 ? questions : null;
  const offerTyped = sessionId !== undefined && Boolean(bars?.some((question) => question.typed));
  const shown = offerTyped && open && bars?.some((question) => question.question_id === open.question_id) ? open : null;
  const side =
    shown && sessionId !== undefined ? (
      <SelfPacedTyped
        key={shown.question_id}
        api={api}
        sessionId={sessionId}
        question={shown}
        answerCount={answerCounts[shown.question_id] ?? 0}
        controls={typedControls}
        onClose={close}
        id={panelId}
      />
    ) : (
      aside
    );
  if (!bars && !progress) return <>{side}</>;
  const left = progress ? progress.items.filter((item) => leftUnfinished(item, seenHere)).length : 0;
  return (
    <>
      <div className="progress" data-testid="self-paced-progress">
        {progress ? (
          <p className="progress-summary">
            <strong data-testid="self-paced-done">{progress.done_count}</strong> of {progress.items.length}{' '}
            finished
            {left > 0 && (
              <span data-testid="self-paced-left-count">
                {' '}
                · {left} closed the page
              </span>
            )}
          </p>
        ) : (
          bars && <LastQuestionSummary questions={bars} answerCounts={answerCounts} participants={participants} />
        )}
        <div className="progress-body">
          {progress && <StudentsTable progress={progress} seenHere={seenHere} />}
          {bars && (
            <ul
              className={`bars progress-questions${offerTyped ? ' has-typed' : ''}`}
              aria-label="Answers per question"
            >
              {bars.map((question, position) => {
                const count = answerCounts[question.question_id] ?? 0;
                const isOpen = shown?.question_id === question.question_id;
                return (
                  <li
                    key={question.question_id}
                    className={`bar${isOpen ? ' is-open' : ''}`}
                    title={`${position + 1}. ${question.prompt}`}
                    data-testid="self-paced-question"
                    data-count={count}
                  >
                    <span className="bar-label" title={`${position + 1}. ${question.prompt}`}>
                      {position + 1}. {question.prompt}
                    </span>
                    <span className="bar-track" aria-hidden="true">
                      <span
                        className="bar-fill"
                        style={{ width: `${participants ? Math.min(1, count / participants) * 100 : 0}%` }}
                      />
                    </span>
                    <span className="bar-count">{count}</span>
                    {offerTyped && question.typed && (
                      <button
                        type="button"
                        ref={(node) => {
                          if (node) toggles.current.set(question.question_id, node);
                          else toggles.current.delete(question.question_id);
                        }}
                        className="progress-typed-toggle"
                        data-testid="self-paced-typed-toggle"
                        aria-label={`Typed answers: question ${position + 1}`}
                        title="What they typed"
                        aria-expanded={isOpen}
                        aria-controls={isOpen ? panelId : undefined}
                        onClick={() =>
                          setOpen(
                            isOpen
                              ? null
                              : { question_id: question.question_id, number: position + 1, prompt: question.prompt },
                          )
                        }
                      >
                        Typed
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </div>
      {side}
    </>
  );
}

/**
 * Without the players' progress (a server before v1.2): how many answered
 * the last question, the nearest the boards tell to "finished".
 */
function LastQuestionSummary({
  questions,
  answerCounts,
  participants,
}: {
  questions: { question_id: string }[];
  answerCounts: Record<string, number>;
  participants: number;
}) {
  const last = questions[questions.length - 1];
  const done = Math.min(answerCounts[last.question_id] ?? 0, participants);
  return (
    <p className="progress-summary">
      <strong data-testid="self-paced-done">{done}</strong> of {participants}{' '}
      {participants === 1 ? 'player has' : 'players have'} answered the last question
    </p>
  );
}
