import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { LeaderboardEntry } from '../api';
import { describeError, formatScore, ordinal } from '../format';
import type { Participant } from '../state';
import { keepTabInside, useBackdropDismiss } from './ConfirmDialog';
import { DisplayName } from './DisplayName';
import { RemoveButton, useRemoveFocus, type RemoveIntent } from './RemoveButton';

/** From this many players on, the dialog offers a filter box. */
export const FILTER_FROM = 13;

export interface PlayersDialogProps {
  /** Read every current participant from the server (`GET /participants`). */
  load: () => Promise<Participant[]>;
  /** The class size said on the host screen, until the list is in. */
  count: number;
  /** Players this screen knows of (joined events, boards): a late joiner is added. */
  known: readonly Participant[];
  /** Players the host removed (here or from another screen): dropped from the list. */
  removedIds: readonly string[];
  /** The standings known here: a player's rank and score beside the name, where listed. */
  entries?: readonly LeaderboardEntry[];
  /** Players whose removal is being sent. */
  removing: readonly string[];
  onRemove: (participant: Participant, intent: RemoveIntent) => void;
  onClose: () => void;
  /** Another dialog (the removal's confirmation) is open over this one: keys are its. */
  covered: boolean;
}

type Loaded =
  | { status: 'loading' }
  | { status: 'ready'; items: Participant[] }
  | { status: 'error'; error: unknown };

/** Case- and accent-insensitive form of a name for the filter. */
function folded(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/**
 * Every player of the session, each with the host's × (the same confirmation
 * and removal as in the lobby and on the leaderboards): the way to remove a
 * player the lobby's names or the reveal's top rows do not show. A filter box
 * from {@link FILTER_FROM} players on; Escape, "Close" or a click outside closes it.
 */
export function PlayersDialog({
  load,
  count,
  known,
  removedIds,
  entries = [],
  removing,
  onRemove,
  onClose,
  covered,
}: PlayersDialogProps) {
  const titleId = useId();
  const filterId = useId();
  const box = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const filterInput = useRef<HTMLInputElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [query, setQuery] = useState('');
  const backdrop = useBackdropDismiss(onClose);

  // Read when opened (and on Retry).
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let cancelled = false;
    setLoaded({ status: 'loading' });
    loadRef
      .current()
      .then((items) => {
        if (!cancelled) setLoaded({ status: 'ready', items });
      })
      .catch((error: unknown) => {
        if (!cancelled) setLoaded({ status: 'error', error });
      });
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  // The server's list in join order, then anyone who joined since; never a removed player.
  const players = useMemo(() => {
    const gone = new Set(removedIds);
    const base = loaded.status === 'ready' ? loaded.items : [];
    const seen = new Set<string>();
    const all: Participant[] = [];
    for (const player of [...base, ...known]) {
      if (gone.has(player.user_id) || seen.has(player.user_id)) continue;
      seen.add(player.user_id);
      all.push(player);
    }
    return all;
  }, [loaded, known, removedIds]);

  const standings = useMemo(
    () => new Map(entries.map((entry) => [entry.user_id, entry] as const)),
    [entries],
  );
  const filtering = players.length >= FILTER_FROM || query !== '';
  const wanted = filtering ? folded(query.trim()) : '';
  const shown = wanted
    ? players.filter((player) => folded(player.display_name).includes(wanted))
    : players;
  const total = loaded.status === 'ready' ? players.length : Math.max(count, players.length);

  useRemoveFocus(list);

  // Opened: the filter when there is one, else "Close" (Space there only
  // closes). A filter that comes with the list takes the focus from "Close"
  // if the host has not moved it meanwhile.
  const autoFocused = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const target = filterInput.current ?? closeButton.current;
    const untouched = autoFocused.current === null || document.activeElement === autoFocused.current;
    if (!target || target === autoFocused.current || !untouched) return;
    target.focus();
    autoFocused.current = target;
  });
  // A removal from here took the focus with its row and no × is in that
  // place: it stays in the dialog.
  useEffect(() => {
    const lost = document.activeElement === document.body || document.activeElement === null;
    if (!covered && lost && removing.length === 0) {
      (filterInput.current ?? closeButton.current)?.focus();
    }
  });

  const coveredRef = useRef(covered);
  coveredRef.current = covered;
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (coveredRef.current || event.defaultPrevented || !box.current) return;
      if (event.key === 'Escape') {
        event.preventDefault();
        onCloseRef.current();
        return;
      }
      if (event.key !== 'Tab') return;
      keepTabInside(event, box.current, 'input, button:not(:disabled)');
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const retry = useCallback(() => setAttempt((value) => value + 1), []);

  return (
    <div className="dialog-backdrop" {...backdrop}>
      <div
        ref={box}
        className="dialog players-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="players-dialog"
      >
        <h2 id={titleId}>Players ({total})</h2>
        {filtering && (
          <div className="field players-filter">
            <label htmlFor={filterId}>Find a player</label>
            <input
              ref={filterInput}
              id={filterId}
              type="text"
              enterKeyHint="search"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
              autoComplete="off"
              spellCheck={false}
              data-testid="players-filter"
            />
          </div>
        )}
        <p className="muted players-status" role="status">
          {loaded.status === 'loading'
            ? 'Loading the players…'
            : wanted
              ? shown.length === 0
                ? `No player matches “${query.trim()}”.`
                : `${shown.length} of ${players.length} ${players.length === 1 ? 'player' : 'players'}`
              : players.length === 0 && loaded.status === 'ready'
                ? 'Nobody has joined yet.'
                : null}
        </p>
        {loaded.status === 'error' && (
          <p className="form-error players-error" role="alert">
            Could not load the players: {describeError(loaded.error)}{' '}
            <button type="button" className="link-button" onClick={retry}>
              Retry
            </button>
          </p>
        )}
        {shown.length > 0 && (
          <ul ref={list} className="players-list" aria-label="Players">
            {shown.map((player) => {
              const standing = standings.get(player.user_id);
              const busy = removing.includes(player.user_id);
              return (
                <li
                  key={player.user_id}
                  className="players-row"
                  data-testid="players-row"
                  data-user-id={player.user_id}
                  title={player.display_name}
                >
                  <span className="players-name">
                    <DisplayName name={player.display_name} />
                  </span>
                  {busy ? (
                    <span className="players-removing muted">Removing…</span>
                  ) : standing ? (
                    <span className="players-standing muted">
                      {ordinal(standing.rank)} · {formatScore(standing.score)}
                    </span>
                  ) : null}
                  <RemoveButton
                    name={player.display_name}
                    busy={busy}
                    onRemove={(intent) => onRemove(player, intent)}
                  />
                </li>
              );
            })}
          </ul>
        )}
        <div className="dialog-actions">
          <button
            ref={closeButton}
            type="button"
            className="button secondary"
            data-testid="players-dialog-close"
            onClick={onClose}
          >
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
