import type { ResultRow } from '../api';
import { formatPoints, ordinal } from '../format';
import { podiumSteps } from '../standings';

export interface PodiumProps {
  standings: ResultRow[];
  myUserId?: string | null;
  /** Big type for the presenter screen. */
  size?: 'phone' | 'stage';
  /**
   * How many players there are in all (`participant_count`), when
   * `standings` may be only the first of them (a phone reads the top ten):
   * a tie that reaches the end of a list so cut may go on past it, and its
   * "and N more" would count too few. It then says "and others".
   */
  total?: number | null;
}

/**
 * Names shown on one step at most: a class tied at 0 would stack its whole
 * list over one block and push the results below the fold. The others are
 * "and N more" (the results table lists them), or "and others" where a
 * phone's cut list cannot tell how many.
 */
export const NAMES_PER_STEP = 3;

/** The names a step shows: the first ones, and the phone's own player among them when tied further down. */
function namesOnStep(rows: ResultRow[], myUserId: string | null | undefined): ResultRow[] {
  if (rows.length <= NAMES_PER_STEP) return rows;
  const first = rows.slice(0, NAMES_PER_STEP);
  const mine = rows.find((row) => row.user_id === myUserId);
  if (!mine || first.includes(mine)) return first;
  return [...first.slice(0, NAMES_PER_STEP - 1), mine];
}

/**
 * The podium: gold in the middle, silver left, bronze right.
 *
 * Tied players share a step (competition ranking: 900, 700, 700 puts both 700s
 * on silver and leaves bronze empty), up to {@link NAMES_PER_STEP} names each.
 */
export function Podium({ standings, myUserId, size = 'phone', total = null }: PodiumProps) {
  const steps = podiumSteps(standings);
  if (steps.length === 0) return null;
  // The list was cut and the podium's places take all of it: the last step's
  // tie may go on past the list's end, by a number the list cannot tell.
  const cut = total !== null && total > standings.length;
  const listed = steps.reduce((count, step) => count + step.rows.length, 0);
  const openEnded = cut && listed >= standings.length ? steps[steps.length - 1].rank : null;
  return (
    <section className={`card podium-card podium-${size}`} aria-labelledby="podium-title">
      <h2 id="podium-title">Podium</h2>
      <ol className="podium" data-testid="podium">
        {steps.map((step) => {
          const names = namesOnStep(step.rows, myUserId);
          const more = step.rows.length - names.length;
          return (
            <li
              key={step.rank}
              className={`podium-step-group podium-${step.rank}`}
              data-testid="podium-step"
              data-rank={step.rank}
            >
              <ul className="podium-names">
                {names.map((row) => (
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
              {(more > 0 || step.rank === openEnded) && (
                <p className="podium-more" data-testid="podium-more">
                  {step.rank === openEnded ? 'and others' : `and ${more} more`}
                  <span className="visually-hidden"> in {ordinal(step.rank)} place</span>
                </p>
              )}
              <span className="podium-step" aria-hidden="true">
                {step.rank}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
