import type { Participant } from '../state';
import { DisplayName } from './DisplayName';

export interface LobbyProps {
  participantCount: number | null;
  participants: Participant[];
  myUserId?: string | null;
  heading: string;
  note?: string;
}

/** Names shown at most; a crowd is summarised by its count. */
const MAX_NAMES = 60;

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
      {shown.length > 0 && (
        <ul className="chips" aria-label="Players">
          {shown.map((participant) => (
            <li
              key={participant.user_id}
              className={`chip${participant.user_id === myUserId ? ' is-me' : ''}`}
              data-testid="lobby-participant"
              data-user-id={participant.user_id}
              title={participant.display_name}
            >
              <DisplayName name={participant.display_name} />
            </li>
          ))}
        </ul>
      )}
      {count > shown.length && shown.length > 0 && (
        <p className="muted">and {count - shown.length} more</p>
      )}
    </section>
  );
}
