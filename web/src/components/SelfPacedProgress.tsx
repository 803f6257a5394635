import { useEffect, useState } from 'react';
import type { ApiClient } from '../api';

export interface SelfPacedProgressProps {
  api: ApiClient;
  quizId: string | null;
  /** question_id → answers scored so far (the boards' `answer_counts`). */
  answerCounts: Record<string, number>;
  participants: number;
}

/**
 * A self-paced quiz on the host's screen: how many players answered each
 * question so far, so the teacher sees when the class is done.
 */
export function SelfPacedProgress({ api, quizId, answerCounts, participants }: SelfPacedProgressProps) {
  const [questions, setQuestions] = useState<{ question_id: string; prompt: string }[] | null>(null);
  useEffect(() => {
    if (!quizId) return;
    let cancelled = false;
    api.getQuiz(quizId).then(
      (quiz) => {
        // Served in the quiz's order, each with its id.
        if (!cancelled) {
          setQuestions(
            quiz.questions.flatMap((question) =>
              question.question_id ? [{ question_id: question.question_id, prompt: question.prompt }] : [],
            ),
          );
        }
      },
      () => {
        // Without the question list the leaderboard beside it still tells the story.
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, quizId]);

  if (!questions || questions.length === 0) return null;
  const last = questions[questions.length - 1];
  const done = Math.min(answerCounts[last.question_id] ?? 0, participants);
  return (
    <div className="progress" data-testid="self-paced-progress">
      <p className="progress-summary">
        <strong data-testid="self-paced-done">{done}</strong> of {participants}{' '}
        {participants === 1 ? 'player has' : 'players have'} answered the last question
      </p>
      <ul className="bars" aria-label="Answers per question">
        {questions.map((question, position) => {
          const count = answerCounts[question.question_id] ?? 0;
          return (
            <li
              key={question.question_id}
              className="bar"
              data-testid="self-paced-question"
              data-count={count}
            >
              <span className="bar-label" title={question.prompt}>
                {position + 1}. {question.prompt}
              </span>
              <span className="bar-track" aria-hidden="true">
                <span
                  className="bar-fill"
                  style={{ width: `${participants ? Math.min(1, count / participants) * 100 : 0}%` }}
                />
              </span>
              <span className="bar-count">{count}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
