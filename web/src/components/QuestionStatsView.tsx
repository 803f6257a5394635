import type { QuestionStats } from '../api';
import { formatPercent } from '../format';

export interface QuestionStatsViewProps {
  stats: QuestionStats;
  choices: string[];
}

/** Correct answer and answer statistics of a closed question (host view). */
export function QuestionStatsView({ stats, choices }: QuestionStatsViewProps) {
  const counts = stats.choice_counts;
  const total = counts ? Object.values(counts).reduce((sum, count) => sum + count, 0) : 0;
  return (
    <div className="stats" data-testid="question-stats">
      <p className="stats-answer">
        Correct answer:{' '}
        <strong data-testid="host-correct-answer">{stats.correct_answer ?? '–'}</strong>
      </p>
      <p className="muted">
        {stats.answer_count !== null && <>{stats.answer_count} answers · </>}
        {formatPercent(stats.correct_share)} correct
      </p>
      {counts && total > 0 && (
        <ul className="bars" aria-label="Answers per choice">
          {(choices.length ? choices : Object.keys(counts)).map((choice) => {
            const count = counts[choice] ?? 0;
            return (
              <li
                key={choice}
                className={choice === stats.correct_answer ? 'bar is-correct' : 'bar'}
              >
                <span className="bar-label">{choice}</span>
                <span className="bar-track" aria-hidden="true">
                  <span className="bar-fill" style={{ width: `${(count / total) * 100}%` }} />
                </span>
                <span className="bar-count">{count}</span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
