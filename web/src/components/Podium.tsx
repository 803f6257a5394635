import type { ResultRow } from '../api';
import { formatScore, ordinal } from '../format';

export interface PodiumProps {
  standings: ResultRow[];
  myUserId?: string | null;
}

/** The top three, second and third beside the winner. */
export function Podium({ standings, myUserId }: PodiumProps) {
  const top = standings.slice(0, 3);
  if (top.length === 0) return null;
  return (
    <section className="card podium-card" aria-labelledby="podium-title">
      <h2 id="podium-title">Podium</h2>
      <ol className="podium" data-testid="podium">
        {top.map((row, position) => (
          <li
            key={row.user_id}
            className={`podium-place podium-${position + 1}${row.user_id === myUserId ? ' is-me' : ''}`}
            data-testid="podium-place"
            data-user-id={row.user_id}
            data-rank={row.rank}
            data-score={row.score}
          >
            <span className="podium-name">{row.display_name}</span>
            <span className="podium-score">{formatScore(row.score)} points</span>
            <span className="podium-step" aria-hidden="true">
              {row.rank}
            </span>
            <span className="visually-hidden">{ordinal(row.rank)} place</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
