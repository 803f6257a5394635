import { useId } from 'react';
import type { AnswerGroup, QuestionResponses } from '../api';

export interface TypedAnswersProps {
  responses: QuestionResponses;
  /** Groups listed at most (the projector lists those that fit); the rest are summed in "and N more". */
  limit?: number;
  title?: string;
  /** The title's heading level: 2 beside the reveal's leaderboard, deeper inside the results. */
  level?: 2 | 4;
  /** Given the list of rows (the projector measures how many fit). */
  listRef?: (list: HTMLUListElement | null) => void;
}

function mark(group: AnswerGroup): { key: string; said: string; className: string } {
  if (group.correct === true) return { key: '✓', said: ' (right)', className: ' is-correct' };
  if (group.correct === false) return { key: '✗', said: ' (wrong)', className: ' is-wrong' };
  return { key: '', said: '', className: '' };
}

/**
 * What the class typed to a question (host only): each spelling with its
 * count, the most typed first, right and wrong marked by ✓ and ✗ (and said
 * to screen readers), not by colour alone. The common misspellings are the
 * lesson. Nothing for a choice question: its chart already shows the spread.
 */
export function TypedAnswers({
  responses,
  limit,
  title = 'What the class typed',
  level = 2,
  listRef,
}: TypedAnswersProps) {
  const headingId = useId();
  const Heading = level === 4 ? 'h4' : 'h2';
  if (responses.kind === 'choice' || responses.responses.length === 0) return null;
  const shown = responses.responses.slice(0, Math.max(1, limit ?? responses.responses.length));
  const more =
    responses.other_count +
    responses.responses.slice(shown.length).reduce((sum, group) => sum + group.count, 0);
  const most = Math.max(1, ...shown.map((group) => group.count));
  return (
    <section className="typed" aria-labelledby={headingId} data-testid="typed-answers">
      <Heading className="typed-title" id={headingId}>
        {title}
      </Heading>
      <ul className="bars typed-bars" ref={listRef}>
        {shown.map((group, index) => {
          const { key, said, className } = mark(group);
          return (
            <li
              key={`${index}-${group.answer}`}
              className={`bar bar-plain typed-bar${className}`}
              data-testid="typed-answer"
              data-count={group.count}
              data-correct={group.correct === null ? '' : String(group.correct)}
            >
              <span className="bar-key" aria-hidden="true">
                {key}
              </span>
              {/* A word cut by the ellipsis shows whole on hover. */}
              <span className="bar-label" title={group.answer}>
                <bdi>{group.answer}</bdi>
                {said && <span className="visually-hidden">{said}</span>}
              </span>
              <span className="bar-track" aria-hidden="true">
                <span className="bar-fill" style={{ width: `${(group.count / most) * 100}%` }} />
              </span>
              <span className="bar-count">
                {group.count}
                <span className="visually-hidden"> {group.count === 1 ? 'answer' : 'answers'}</span>
              </span>
            </li>
          );
        })}
      </ul>
      {more > 0 && (
        <p className="typed-more" data-testid="typed-more">
          and {more} more {more === 1 ? 'answer' : 'answers'}
        </p>
      )}
    </section>
  );
}
