import { useEffect, useRef } from 'react';
import { focusIsAdrift } from '../focus';
import { describeRefusedAnswer, formatPoints, formatRank } from '../format';
import type { Submission } from '../state';

export interface AnswerFeedbackProps {
  submission: Submission | null;
  /**
   * Fallback run of consecutive correct answers including this one, for a submission
   * that carries none (`submission.streak`, from the server's `streak` + 1, wins).
   */
  streak: number;
  /** The question closed (or timed out) without an answer from this player. */
  missed: boolean;
  /** The host showed the answer before the time was up (missed, not late). */
  closedEarly?: boolean;
  /** The server has this player's answer but this page has no result for it (after a reload). */
  received?: boolean;
  /** Fill the screen (live play): the result replaces the question on the phone. */
  takeover?: boolean;
  /** The host showed the answer: the rank and the correct answer may be shown. */
  revealed?: boolean;
  /** This player's standing, shown once revealed. */
  rank?: number | null;
  score?: number | null;
  /** The correct answer, once revealed. */
  correctAnswer?: string | null;
  /**
   * (Self-paced homework) The right answer, read once this question was over
   * for the player (answered wrong, or out of time); shown under the result.
   */
  rightAnswer?: string | null;
  /** A typed answer (not a choice): a wrong one is echoed beside the right one. */
  typed?: boolean;
  /**
   * The answer is what was in the box when the time ran out, sent then (not
   * by Submit): said, and the answer echoed even when right.
   */
  autoSent?: boolean;
  /**
   * What the player typed that did not count: never sent before the
   * question closed, or sent as the time ran out and refused as too late.
   * Said with the missed question (pass `missed`, no submission).
   */
  notSent?: string | null;
  /**
   * `notSent` was sent (by the learner or as the time ran out) and refused
   * as too late: it reached the server after the deadline. Said so, not as
   * the learner's fault.
   */
  notSentLate?: boolean;
}

/** The run of consecutive correct answers ending with a scored answer (1 = no streak). */
export function streakRun(submission: Submission, fallback: number): number {
  if (typeof submission.streak === 'number') return submission.streak;
  const before = submission.result?.streak;
  if (!submission.result?.correct) return 0;
  return typeof before === 'number' ? before + 1 : fallback;
}

/** Instant feedback on the player's answer, announced to screen readers. */
export function AnswerFeedback({
  submission,
  streak,
  missed,
  closedEarly = false,
  received = false,
  takeover = false,
  revealed = false,
  rank = null,
  score = null,
  correctAnswer = null,
  rightAnswer = null,
  typed = false,
  autoSent = false,
  notSent = null,
  notSentLate = false,
}: AnswerFeedbackProps) {
  const box = useRef<HTMLDivElement>(null);
  const standing =
    takeover && revealed ? (
      <p className="feedback-rank" data-testid="feedback-rank" data-rank={rank ?? ''}>
        Rank <strong>{formatRank(rank)}</strong> · {formatPoints(score)}
      </p>
    ) : null;
  const waiting =
    takeover && !revealed ? (
      <p className="feedback-wait">The class sees the answer when time is up.</p>
    ) : null;
  const homework = rightAnswer ? (
    <p className="feedback-right-answer" data-testid="right-answer">
      The answer: <strong>{rightAnswer}</strong>
    </p>
  ) : null;
  const sentAtZero = autoSent ? (
    <span className="feedback-auto-sent" data-testid="answer-auto-sent">
      Sent when time ran out.
    </span>
  ) : null;
  let content = null;
  // Live play: whether an answer was right stays on the phone until the class
  // sees the answer, or a neighbour's glance at a green screen gives it away.
  const held = takeover && !revealed;
  // The result takes the keyboard focus where the tiles it replaces (or the
  // tile disabled once pressed) had it, so Tab goes on from here. Without
  // scrolling: a player reading the leaderboard below stays there.
  useEffect(() => {
    if (box.current && focusIsAdrift()) box.current.focus({ preventScroll: true });
  }, [submission?.submission_id, submission?.state, received, missed, held]);
  if (held && (submission?.state === 'scored' || submission?.state === 'accepted')) {
    content = (
      <div ref={box} tabIndex={-1} className="feedback feedback-locked takeover" data-testid="answer-locked">
        <strong className="feedback-title">Answer in!</strong>{' '}
        <span className="feedback-chosen">
          You answered <strong>{submission.answer}</strong>.
        </span>
        {sentAtZero}
        {waiting}
      </div>
    );
  } else if (submission?.state === 'scored' && submission.result) {
    const { correct, points } = submission.result;
    const answer = correctAnswer ?? submission.result.correct_answer ?? null;
    const run = streakRun(submission, streak);
    content = (
      <div
        ref={box}
        tabIndex={-1}
        className={`feedback ${correct ? 'feedback-correct' : 'feedback-wrong'}${takeover ? ' takeover' : ''}`}
        data-testid="answer-feedback"
        data-correct={String(correct)}
        data-points={points}
      >
        {takeover && (
          <span className="feedback-icon" aria-hidden="true">
            {correct ? '✓' : '✗'}
          </span>
        )}
        <strong className="feedback-title">{correct ? 'Correct!' : 'Not quite'}</strong>{' '}
        <span className="feedback-points">
          {points > 0 ? `+${formatPoints(points)}` : 'No points'}
        </span>
        {!correct && answer && (!takeover || revealed) && (
          <span className="feedback-answer">
            {' '}
            The answer was <strong>{answer}</strong>.
          </span>
        )}
        {(!correct || autoSent) && typed && submission.answer && (!takeover || revealed) && (
          <span className="feedback-typed" data-testid="answer-typed">
            {' '}
            You wrote “<bdi>{submission.answer}</bdi>”.
          </span>
        )}
        {sentAtZero}
        {/* Not twice: a result that carries the answer has said it already. */}
        {!correct && !answer && homework}
        {correct && run > 1 && (
          <>
            {' '}
            <span className="feedback-streak" data-testid="answer-streak" data-streak={run}>
              Streak ×{run}
            </span>
          </>
        )}
        {standing}
        {waiting}
      </div>
    );
  } else if (submission?.state === 'sending' || submission?.state === 'accepted') {
    content = (
      <div
        ref={box}
        tabIndex={-1}
        className={`feedback feedback-pending${takeover ? ' takeover' : ''}`}
        data-testid="answer-pending"
        data-waiting={String(Boolean(submission.waiting))}
      >
        {submission.waiting
          ? 'No connection. Your answer is kept and sent when you are back online. It is timed when it arrives, and counts if that is before time is up.'
          : submission.state === 'sending'
            ? 'Sending your answer…'
            : 'Answer received, scoring…'}
        {autoSent && submission.answer && (
          <span className="feedback-auto-sent" data-testid="answer-auto-sent">
            Sent when time ran out: “<bdi>{submission.answer}</bdi>”.
          </span>
        )}
      </div>
    );
  } else if (submission?.state === 'rejected' && submission.error) {
    content = (
      <div
        ref={box}
        tabIndex={-1}
        className="feedback feedback-error"
        data-testid="answer-error"
        data-code={submission.error.code}
      >
        {describeRefusedAnswer(submission.error.code, submission.error.detail, submission.answer)}
      </div>
    );
  } else if (received) {
    content = (
      <div
        ref={box}
        tabIndex={-1}
        className={`feedback feedback-received${takeover ? ' takeover' : ''}`}
        data-testid="answer-received"
      >
        Answer received
        {standing}
        {waiting}
      </div>
    );
  } else if (missed) {
    content = (
      <div
        ref={box}
        tabIndex={-1}
        className={`feedback feedback-missed${takeover ? ' takeover' : ''}`}
        data-testid="answer-missed"
      >
        <strong className="feedback-title">
          {closedEarly ? 'The host closed this question before you answered.' : 'Time is up.'}
        </strong>
        {takeover && revealed && correctAnswer && (
          <span className="feedback-answer">
            {' '}
            The answer was <strong>{correctAnswer}</strong>.
          </span>
        )}
        {notSent && (
          <span className="feedback-not-sent" data-testid="draft-not-sent">
            {notSentLate ? (
              <>Your answer “<bdi>{notSent}</bdi>” reached the server too late to count.</>
            ) : (
              <>You typed “<bdi>{notSent}</bdi>” but it was not sent in time, so it did not count.</>
            )}
          </span>
        )}
        {homework}
        {standing}
      </div>
    );
  }
  return (
    <div
      className={`feedback-region${takeover ? ' feedback-takeover' : ''}${revealed ? ' is-revealed' : ''}`}
      role="status"
      aria-live="polite"
      aria-atomic="true"
    >
      {content}
    </div>
  );
}
