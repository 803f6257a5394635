import type { ResultRow } from '../api';
import { formatPoints, ordinal } from '../format';
import { podiumSteps } from '../standings';

export interface PodiumProps {
  standings: ResultRow[];
  myUserId?: string | null;
  /** Big type for the presenter screen. */
  size?: 'phone' | 'stage';
}

/**
 * The podium: gold in the middle, silver left, bronze right.
 *
 * Tied players share a step (competition ranking: 900, 700, 700 puts both 700s
 * on silver and leaves bronze empty).
 */
export function Podium({ standings, myUserId, size = 'phone' }: PodiumProps) {
  const steps = podiumSteps(standings);
  if (steps.length === 0) return null;
  return (
    <section className={`card podium-card podium-${size}`} aria-labelledby="podium-title">
      <h2 id="podium-title">Podium</h2>
      <ol className="podium" data-testid="podium">
        {steps.map((step) => (
          <li
            key={step.rank}
            className={`podium-step-group podium-${step.rank}`}
            data-testid="podium-step"
            data-rank={step.rank}
          >
            <ul className="podium-names">
              {step.rows.map((row) => (
                <li
                  key={row.user_id}
                  className={`podium-place${row.user_id === myUserId ? ' is-me' : ''}`}
                  data-testid="podium-place"
                  data-user-id={row.user_id}
                  data-rank={step.rank}
                  data-score={row.score}
                >
                  <span className="podium-name" dir="auto">
                    {row.display_name}
                  </span>
                  <span className="podium-score">{formatPoints(row.score)}</span>
                  <span className="visually-hidden">{ordinal(step.rank)} place</span>
                </li>
              ))}
            </ul>
            <span className="podium-step" aria-hidden="true">
              {step.rank}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
