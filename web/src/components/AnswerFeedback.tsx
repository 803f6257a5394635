import type { Submission } from '../state';
import { describeCode, formatScore } from '../format';

export interface AnswerFeedbackProps {
  submission: Submission | null;
  /** Consecutive correct answers, from the server or counted in this tab. */
  streak: number;
  /** The question closed (or timed out) without an answer from this player. */
  missed: boolean;
}

/** Instant feedback on the player's answer, announced to screen readers. */
export function AnswerFeedback({ submission, streak, missed }: AnswerFeedbackProps) {
  let content = null;
  if (submission?.state === 'scored' && submission.result) {
    const { correct, points, correct_answer: correctAnswer } = submission.result;
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
        {correct && streak > 1 && (
          <>
            {' '}
            <span className="feedback-streak">Streak ×{streak}</span>
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
