import type { LiveStatus } from '../live';

const LABELS: Record<LiveStatus, string> = {
  idle: 'Connecting…',
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  failed: 'Disconnected',
  closed: 'Disconnected',
};

/** The live channel's state, with a retry button when it gave up. */
export function ConnectionStatus({ status, onRetry }: { status: LiveStatus; onRetry: () => void }) {
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
