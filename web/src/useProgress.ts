/**
 * The host's view of how far each player got (v1.2 `GET /progress`), for a
 * self-paced quiz: who finished, who is on which question, who is stuck.
 */

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ApiClient, PlayerProgress, SessionProgress } from './api';

/**
 * A player who closed their screen on the quiz before finishing it: seen
 * here by an earlier read of this page (`seenHere`), now `here` false, not
 * done. The teacher may want to know why. A player never seen here (one who
 * answered without a screen, or whose screen closed before this page
 * opened) is not said to have left; nothing is known of a player the server
 * cannot tell about (`here` null), and a finished player has no reason to
 * stay.
 */
export function leftUnfinished(item: PlayerProgress, seenHere: ReadonlySet<string>): boolean {
  return item.here === false && !item.done && seenHere.has(item.user_id);
}

/**
 * The players any progress read of this page's life has seen here (`here`
 * true), by user id: only they can be said to have left. A reload of the
 * host's page starts afresh.
 */
export function useSeenHere(progress: SessionProgress | null): ReadonlySet<string> {
  const seen = useRef(new Set<string>());
  return useMemo(() => {
    // Adding is idempotent: a render done twice adds the same ids.
    for (const item of progress?.items ?? []) {
      if (item.here === true) seen.current.add(item.user_id);
    }
    return new Set(seen.current);
  }, [progress]);
}

/** How often the progress is read while the quiz runs. */
export const PROGRESS_EVERY_MS = 4000;

/**
 * How long after a new board the progress is read again: boards come in
 * bursts while a class answers, and one read covers the burst.
 */
export const PROGRESS_SETTLE_MS = 500;

/**
 * Read the players' progress while `active`: at once, every
 * PROGRESS_EVERY_MS, and shortly after `boardVersion` changes (a player
 * answered). One read at a time; a failed read keeps the last one shown.
 * Null until a read succeeds (an older server without the route: the screen
 * falls back to the boards' answer counts).
 */
export function useProgress(
  api: ApiClient,
  sessionId: string,
  active: boolean,
  boardVersion: number | null,
): SessionProgress | null {
  const [progress, setProgress] = useState<SessionProgress | null>(null);
  const reading = useRef(false);
  const read = useCallback(async () => {
    if (reading.current) return;
    reading.current = true;
    try {
      setProgress(await api.getProgress(sessionId));
    } catch {
      // The next read may get through; the last table stays meanwhile.
    } finally {
      reading.current = false;
    }
  }, [api, sessionId]);

  useEffect(() => {
    if (!active) return;
    void read();
    const timer = setInterval(() => void read(), PROGRESS_EVERY_MS);
    return () => clearInterval(timer);
  }, [active, read]);

  // The board known at the start is in the first read already.
  const firstBoard = useRef(boardVersion);
  useEffect(() => {
    if (!active || boardVersion === firstBoard.current) return;
    const timer = setTimeout(() => void read(), PROGRESS_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [active, boardVersion, read]);

  return progress;
}
