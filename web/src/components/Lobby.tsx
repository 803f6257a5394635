import { useEffect, useRef } from 'react';
import type { Participant } from '../state';
import { DisplayName } from './DisplayName';
import { RemoveButton, useRemoveFocus, type RemoveIntent } from './RemoveButton';

export interface LobbyProps {
  participantCount: number | null;
  participants: Participant[];
  myUserId?: string | null;
  heading: React.ReactNode;
  note?: string;
}

/** Names shown at most; a crowd is summarised by its count. */
const MAX_NAMES = 60;

export interface PlayerChipsProps {
  participants: Participant[];
  myUserId?: string | null;
  /** Extra class of the list (`chips-stage` on the projector). */
  className?: string;
  /** The host's remove control beside each name; none when absent. */
  onRemove?: (participant: Participant, intent: RemoveIntent) => void;
  /** Players whose removal is being sent (their control is disabled). */
  removing?: readonly string[];
  /**
   * After a removal the focus goes to the next name's × (keyboard users
   * removing several in a row); false leaves it to the page.
   */
  keepFocus?: boolean;
  /**
   * The list scrolls in a space of its own (the projector's lobby): each new
   * joiner is scrolled into sight at its end.
   */
  followNewest?: boolean;
}

/** How tightly the projector's lobby packs its names: denser as the class grows. */
type ChipDensity = 'roomy' | 'dense' | 'packed';

/**
 * The projector lobby's density for `count` names: big chips for a small
 * group, then a grid of smaller ones, so a class of 30 fits a 1280x720
 * projector beside the QR code and 80 need little scrolling.
 */
export function chipDensity(count: number): ChipDensity {
  if (count <= 12) return 'roomy';
  return count <= 30 ? 'dense' : 'packed';
}

/** The names of the players who joined, as chips (with the host's × when given). */
export function PlayerChips({
  participants,
  myUserId,
  className,
  onRemove,
  removing = [],
  keepFocus = true,
  followNewest = false,
}: PlayerChipsProps) {
  const list = useRef<HTMLUListElement>(null);
  useRemoveFocus(list, keepFocus);
  const newest = participants[participants.length - 1]?.user_id;
  useEffect(() => {
    const node = list.current;
    // Not under a host working through the names from the keyboard: their
    // focused × would scroll out of sight.
    if (!followNewest || !node || node.contains(document.activeElement)) return;
    node.scrollTop = node.scrollHeight;
  }, [followNewest, newest]);
  return (
    <ul ref={list} className={`chips${className ? ` ${className}` : ''}`} aria-label="Players">
      {participants.map((participant) => (
        <li
          key={participant.user_id}
          className={`chip${participant.user_id === myUserId ? ' is-me' : ''}${onRemove ? ' has-remove' : ''}`}
          data-testid="lobby-participant"
          data-user-id={participant.user_id}
          title={participant.display_name}
        >
          <DisplayName name={participant.display_name} />
          {onRemove && (
            <RemoveButton
              name={participant.display_name}
              busy={removing.includes(participant.user_id)}
              onRemove={(intent) => onRemove(participant, intent)}
            />
          )}
        </li>
      ))}
    </ul>
  );
}

/** The lobby: who has joined so far. */
export function Lobby({ participantCount, participants, myUserId, heading, note }: LobbyProps) {
  const count = participantCount ?? participants.length;
  const shown = participants.slice(-MAX_NAMES);
  return (
    <section className="card lobby" data-testid="lobby" aria-labelledby="lobby-title">
      <h2 id="lobby-title">{heading}</h2>
      {note && <p className="muted">{note}</p>}
      <p className="lobby-count" aria-live="polite">
        <strong data-testid="participant-count">{count}</strong>{' '}
        {count === 1 ? 'player has' : 'players have'} joined
      </p>
      {shown.length > 0 && <PlayerChips participants={shown} myUserId={myUserId} />}
      {count > shown.length && shown.length > 0 && (
        <p className="muted">and {count - shown.length} more</p>
      )}
    </section>
  );
}
