const HOSTED_KEY = 'quizcore.hosted';

/** The browser's localStorage, or null where it is blocked. */
export function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Sessions kept at most: a teacher's last few quizzes. */
export const HOSTED_KEPT = 5;

/**
 * The sessions this browser hosted, most recent first.
 *
 * `storage` is localStorage, shared by the browser's tabs: a teacher who
 * closed the projector's tab finds the quiz still running on "Host", and
 * one who types their own quiz ID into "Play" gets the host's screen, not a
 * seat among the players. Without storage the list lives as long as the page.
 */
export class HostedSessions {
  private readonly storage: Storage | null;
  private kept: string[] = [];

  constructor(storage: Storage | null) {
    this.storage = storage;
  }

  /** The sessions hosted here, most recent first. */
  list(): string[] {
    if (!this.storage) return [...this.kept];
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(HOSTED_KEY) ?? '[]');
      if (!Array.isArray(parsed)) return [];
      return parsed.filter((id): id is string => typeof id === 'string').slice(0, HOSTED_KEPT);
    } catch {
      // Storage blocked or garbled: what this page kept.
      return [...this.kept];
    }
  }

  has(sessionId: string): boolean {
    return this.list().includes(sessionId);
  }

  /** Note a session this browser hosts (the most recent first). */
  remember = (sessionId: string): void => {
    const ids = [sessionId, ...this.list().filter((id) => id !== sessionId)].slice(0, HOSTED_KEPT);
    this.write(ids);
  };

  /** Forget a session (finished, gone, or not this browser's to host). */
  forget = (sessionId: string): void => {
    this.write(this.list().filter((id) => id !== sessionId));
  };

  private write(ids: string[]): void {
    this.kept = ids;
    try {
      this.storage?.setItem(HOSTED_KEY, JSON.stringify(ids));
    } catch {
      // Kept for this page only.
    }
  }
}
