import type { Submission } from '../state';
import { describeCode, formatScore } from '../format';

export interface AnswerFeedbackProps {
  submission: Submission | null;
  /**
   * Fallback run of consecutive correct answers including this one, for a submission
   * that carries none (`submission.streak`, from the server's `streak` + 1, wins).
   */
  streak: number;
  /** The question closed (or timed out) without an answer from this player. */
  missed: boolean;
  /** The server has this player's answer but this page has no result for it (after a reload). */
  received?: boolean;
}

/** The run of consecutive correct answers ending with a scored answer (1 = no streak). */
export function streakRun(submission: Submission, fallback: number): number {
  if (typeof submission.streak === 'number') return submission.streak;
  const before = submission.result?.streak;
  if (!submission.result?.correct) return 0;
  return typeof before === 'number' ? before + 1 : fallback;
}

/** Instant feedback on the player's answer, announced to screen readers. */
export function AnswerFeedback({ submission, streak, missed, received = false }: AnswerFeedbackProps) {
  let content = null;
  if (submission?.state === 'scored' && submission.result) {
    const { correct, points, correct_answer: correctAnswer } = submission.result;
    const run = streakRun(submission, streak);
    content = (
      <div
        className={`feedback ${correct ? 'feedback-correct' : 'feedback-wrong'}`}
        data-testid="answer-feedback"
        data-correct={String(correct)}
        data-points={points}
      >
        <strong className="feedback-title">{correct ? 'Correct!' : 'Not quite'}</strong>{' '}
        <span className="feedback-points">+{formatScore(points)} points</span>
        {!correct && correctAnswer && (
          <span className="feedback-answer">
            {' '}
            The answer was <strong>{correctAnswer}</strong>.
          </span>
        )}
        {correct && run > 1 && (
          <>
            {' '}
            <span className="feedback-streak" data-testid="answer-streak" data-streak={run}>
              Streak ×{run}
            </span>
          </>
        )}
      </div>
    );
  } else if (submission?.state === 'sending' || submission?.state === 'accepted') {
    content = (
      <div className="feedback feedback-pending" data-testid="answer-pending">
        {submission.state === 'sending' ? 'Sending your answer…' : 'Answer received, scoring…'}
      </div>
    );
  } else if (submission?.state === 'rejected' && submission.error) {
    content = (
      <div className="feedback feedback-error" data-testid="answer-error" data-code={submission.error.code}>
        {describeCode(submission.error.code, submission.error.detail)}
      </div>
    );
  } else if (received) {
    content = (
      <div className="feedback feedback-received" data-testid="answer-received">
        Answer received
      </div>
    );
  } else if (missed) {
    content = (
      <div className="feedback feedback-missed" data-testid="answer-missed">
        Time is up.
      </div>
    );
  }
  return (
    <div className="feedback-region" role="status" aria-live="polite" aria-atomic="true">
      {content}
    </div>
  );
}
