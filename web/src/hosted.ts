const HOSTED_KEY = 'quizcore.hosted';

/** The browser's localStorage, or null where it is blocked. */
export function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Sessions kept at most, open or finished: a teacher's last quizzes. */
export const HOSTED_KEPT = 10;

interface Hosted {
  session_id: string;
  user_id: string;
}

function isHosted(value: unknown): value is Hosted {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return typeof entry.session_id === 'string' && typeof entry.user_id === 'string';
}

/**
 * The sessions hosted in this browser, by whom, most recent first.
 *
 * `storage` is localStorage, shared by the browser's tabs: a teacher who
 * closed the projector's tab finds the quiz still running on "Host", and
 * one who types their own quiz ID into "Play" gets the host's screen, not a
 * seat among the players. Each entry names its host, so on a shared
 * computer another user is neither sent to it nor makes it forgotten.
 * Without storage the list lives as long as the page.
 */
export class HostedSessions {
  private readonly storage: Storage | null;
  private kept: Hosted[] = [];

  constructor(storage: Storage | null) {
    this.storage = storage;
  }

  private entries(): Hosted[] {
    if (!this.storage) return [...this.kept];
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(HOSTED_KEY) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter(isHosted).slice(0, HOSTED_KEPT) : [];
    } catch {
      // Storage blocked or garbled: what this page kept.
      return [...this.kept];
    }
  }

  /** The sessions `userId` hosted here, most recent first. */
  list(userId: string | null): string[] {
    return this.entries()
      .filter((entry) => entry.user_id === userId)
      .map((entry) => entry.session_id);
  }

  has(sessionId: string, userId: string | null): boolean {
    return this.list(userId).includes(sessionId);
  }

  /** Note a session `userId` hosts (the most recent first). */
  remember = (sessionId: string, userId: string): void => {
    const others = this.entries().filter(
      (entry) => !(entry.session_id === sessionId && entry.user_id === userId),
    );
    this.write([{ session_id: sessionId, user_id: userId }, ...others].slice(0, HOSTED_KEPT));
  };

  /** Forget a session for `userId` (gone, or not theirs to host). */
  forget = (sessionId: string, userId: string | null): void => {
    this.write(
      this.entries().filter((entry) => !(entry.session_id === sessionId && entry.user_id === userId)),
    );
  };

  private write(entries: Hosted[]): void {
    this.kept = entries;
    try {
      this.storage?.setItem(HOSTED_KEY, JSON.stringify(entries));
    } catch {
      // Kept for this page only.
    }
  }
}
