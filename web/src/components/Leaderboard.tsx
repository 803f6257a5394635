import { useLayoutEffect, useRef } from 'react';
import type { LeaderboardEntry, Standing } from '../api';
import { formatRank, formatScore } from '../format';
import { DisplayName } from './DisplayName';
import { RemoveButton, type RemoveIntent } from './RemoveButton';

export interface LeaderboardProps {
  entries: LeaderboardEntry[];
  /** The viewer's own standing (shown below the top when outside it). */
  me?: Standing | null;
  myUserId?: string | null;
  myName?: string | null;
  limit?: number;
  title?: string;
  /**
   * The host's remove control on each row; none when absent. (The host screen
   * sends the focus to its main action after a removal from here.)
   */
  onRemove?: (entry: LeaderboardEntry, intent: RemoveIntent) => void;
  /** Players whose removal is being sent (their control is disabled). */
  removing?: readonly string[];
  /** Given the list of rows (the projector measures how many fit). */
  listRef?: (list: HTMLOListElement | null) => void;
}

const MOVE_MS = 450;

function prefersReducedMotion(): boolean {
  return typeof window.matchMedia === 'function'
    && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/**
 * The live leaderboard: top entries plus the viewer's own rank.
 *
 * Rows that change places slide to their new position (FLIP: measure the old
 * place, render at the new one, transform back and transition to zero).
 */
export function Leaderboard({
  entries,
  me,
  myUserId,
  myName,
  limit = 10,
  title = 'Leaderboard',
  onRemove,
  removing = [],
  listRef,
}: LeaderboardProps) {
  const top = entries.slice(0, limit);
  const rows = useRef(new Map<string, HTMLLIElement>());
  const places = useRef(new Map<string, { top: number; rank: number }>());

  useLayoutEffect(() => {
    const animate = !prefersReducedMotion();
    const next = new Map<string, { top: number; rank: number }>();
    rows.current.forEach((row, userId) => {
      const place = { top: row.offsetTop, rank: Number(row.dataset.rank) };
      next.set(userId, place);
      const before = places.current.get(userId);
      if (!before) return;
      if (before.rank !== place.rank) {
        row.classList.remove('moved-up', 'moved-down');
        // Reading offsetWidth restarts the highlight animation.
        void row.offsetWidth;
        row.classList.add(place.rank < before.rank ? 'moved-up' : 'moved-down');
      }
      const delta = before.top - place.top;
      if (!animate || delta === 0) return;
      row.style.transition = 'none';
      row.style.transform = `translateY(${delta}px)`;
      requestAnimationFrame(() => {
        row.style.transition = `transform ${MOVE_MS}ms cubic-bezier(0.2, 0.8, 0.2, 1)`;
        row.style.transform = '';
      });
    });
    places.current = next;
  }, [entries, limit]);

  const inTop = Boolean(myUserId && top.some((entry) => entry.user_id === myUserId));
  const showMe = Boolean(myUserId && !inTop && me && typeof me.rank === 'number');

  return (
    <section className="card leaderboard" data-testid="leaderboard" aria-labelledby="leaderboard-title">
      <h2 id="leaderboard-title">{title}</h2>
      {top.length === 0 ? (
        <p className="muted">No scores yet.</p>
      ) : (
        <ol className="leaderboard-list" ref={listRef}>
          {top.map((entry) => {
            const mine = entry.user_id === myUserId;
            return (
              <li
                key={entry.user_id}
                ref={(node) => {
                  if (node) rows.current.set(entry.user_id, node);
                  else rows.current.delete(entry.user_id);
                }}
                className={`leaderboard-row${mine ? ' is-me' : ''}${onRemove ? ' has-remove' : ''}`}
                data-testid="leaderboard-row"
                data-user-id={entry.user_id}
                data-score={entry.score}
                data-rank={entry.rank}
                aria-current={mine ? 'true' : undefined}
              >
                <span className="lb-rank">{formatRank(entry.rank)}</span>
                <span className="lb-name">
                  <DisplayName name={entry.display_name} />
                  {/* Seen as on the pinned row below: a long name is cut, never "(you)". */}
                  {mine && (
                    <>
                      {' '}
                      <span className="lb-you muted">(you)</span>
                    </>
                  )}
                </span>
                <span className="lb-score">{formatScore(entry.score)}</span>
                {onRemove && (
                  <RemoveButton
                    name={entry.display_name}
                    busy={removing.includes(entry.user_id)}
                    onRemove={(intent) => onRemove(entry, intent)}
                  />
                )}
              </li>
            );
          })}
        </ol>
      )}
      {showMe && me && (
        <div
          className="leaderboard-row is-me leaderboard-me"
          data-testid="leaderboard-me-row"
          data-user-id={myUserId ?? ''}
          data-score={me.score ?? 0}
          data-rank={me.rank ?? ''}
        >
          <span className="lb-rank">{formatRank(me.rank)}</span>
          {/* A long name is cut, never "(you)" or the score. */}
          <span className="lb-name">
            <DisplayName name={myName ?? 'You'} />
            <span className="lb-you muted">(you)</span>
          </span>
          <span className="lb-score">{formatScore(me.score)}</span>
        </div>
      )}
    </section>
  );
}
