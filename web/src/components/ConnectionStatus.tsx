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
 * updates cannot arrive.
 */
export function ConnectionStatus({
  status,
  onRetry,
}: {
  status: ConnectionState;
  onRetry: () => void;
}) {
  return (
    <div className={`connection connection-${status}`} data-testid="connection-status" data-status={status}>
      <span role="status" aria-live="polite">
        <span className="connection-dot" aria-hidden="true" />
        {LABELS[status]}
      </span>
      {(status === 'failed' || status === 'closed') && (
        <button type="button" className="link-button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
