import type { ConnectionState } from '../useSession';

const LABELS: Record<ConnectionState, string> = {
  idle: 'Connecting…',
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  failed: 'Disconnected',
  closed: 'Disconnected',
  offline: 'Offline',
};

/**
 * The live channel's state, with a retry button when it gave up.
 *
 * "Live" only while the channel is open and the browser is online: never while
 * updates cannot arrive. `openLabel` says it otherwise where "Live" would be
 * read as the quiz's mode: a self-paced quiz's host screen says "Open".
 */
export function ConnectionStatus({
  status,
  onRetry,
  openLabel = LABELS.open,
}: {
  status: ConnectionState;
  onRetry: () => void;
  openLabel?: string;
}) {
  return (
    <div className={`connection connection-${status}`} data-testid="connection-status" data-status={status}>
      <span role="status" aria-live="polite">
        <span className="connection-dot" aria-hidden="true" />
        {status === 'open' ? openLabel : LABELS[status]}
      </span>
      {(status === 'failed' || status === 'closed') && (
        <button type="button" className="link-button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
