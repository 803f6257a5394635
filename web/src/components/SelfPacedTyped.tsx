import { useId } from 'react';
import type { ApiClient } from '../api';
import { PROGRESS_EVERY_MS } from '../useProgress';
import { useQuestionResponsesRead } from '../useQuestionResponses';
import { TypedAnswers, type TypedAnswersControls } from './TypedAnswers';

/** A typed question of the quiz, as the self-paced view lists it. */
export interface TypedQuestion {
  question_id: string;
  /** Its number in the quiz, from 1. */
  number: number;
  prompt: string;
}

export interface SelfPacedTypedProps {
  api: ApiClient;
  sessionId: string;
  question: TypedQuestion;
  /** The question's answers so far (the boards' count): a new answer reads the list again. */
  answerCount: number | null;
  /** (Host) The words hidden from the projector this session, and a "Hide" on each row. */
  controls?: TypedAnswersControls;
  /** Back to the leaderboard (the "Close" button, or Escape inside the panel). */
  onClose: () => void;
  /** The panel's element id (the question's toggle controls it). */
  id?: string;
}

/**
 * What the class typed so far to one question of a self-paced quiz, in the
 * leaderboard's place on the host's screen while the class works: read when
 * it opens, when the question's answer count changes, and at the progress
 * view's rhythm. The list (and its "Hide" buttons) is the reveal's.
 */
export function SelfPacedTyped({
  api,
  sessionId,
  question,
  answerCount,
  controls,
  onClose,
  id,
}: SelfPacedTypedProps) {
  const headingId = useId();
  const { responses, failed } = useQuestionResponsesRead(
    api,
    sessionId,
    question.question_id,
    answerCount,
    PROGRESS_EVERY_MS,
  );

  let body;
  if (responses === null) {
    body = (
      <p className="muted typed-more" data-testid="self-paced-typed-status">
        {failed ? 'What they typed could not be read.' : 'Reading what they typed…'}
      </p>
    );
  } else if (responses.kind === 'choice') {
    // Not a typed question after all: the bars already say how many answered.
    body = null;
  } else if (responses.responses.length === 0) {
    body = (
      <p className="muted typed-more" data-testid="self-paced-typed-status">
        Nobody has answered it yet.
      </p>
    );
  } else {
    const count = responses.answer_count;
    body = (
      <TypedAnswers
        responses={responses}
        title={`${count} ${count === 1 ? 'answer' : 'answers'} so far`}
        level={3}
        controls={controls}
      />
    );
  }

  return (
    <section
      className="card self-paced-typed"
      id={id}
      aria-labelledby={headingId}
      data-testid="self-paced-typed"
      data-question-id={question.question_id}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return;
        event.preventDefault();
        onClose();
      }}
    >
      <div className="self-paced-typed-head">
        <h2 id={headingId}>What they typed</h2>
        <button
          type="button"
          className="link-button"
          data-testid="self-paced-typed-close"
          aria-label="Close: back to the leaderboard"
          onClick={onClose}
        >
          Close
        </button>
      </div>
      <p className="self-paced-typed-question" data-testid="self-paced-typed-question" title={question.prompt}>
        {question.number}. {question.prompt}
      </p>
      {body}
    </section>
  );
}
