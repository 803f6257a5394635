const HOSTED_KEY = 'quizcore.hosted';
const JOINED_KEY = 'quizcore.joined';

/** The browser's localStorage, or null where it is blocked. */
export function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Sessions kept at most in a list, open or finished: a teacher's or a student's last quizzes. */
export const HOSTED_KEPT = 10;

interface Entry {
  session_id: string;
  user_id: string;
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return typeof entry.session_id === 'string' && typeof entry.user_id === 'string';
}

/**
 * Sessions of this browser's users, most recent first, kept in `storage`
 * (localStorage, shared by the browser's tabs) under `key`. Each entry
 * names its user, so on a shared computer another user is neither sent to
 * it nor makes it forgotten. Without storage the list lives as long as the
 * page.
 */
class SessionList {
  private readonly storage: Storage | null;
  private readonly key: string;
  private kept: Entry[] = [];

  constructor(storage: Storage | null, key: string) {
    this.storage = storage;
    this.key = key;
  }

  protected entries(): Entry[] {
    if (!this.storage) return [...this.kept];
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(this.key) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter(isEntry).slice(0, HOSTED_KEPT) : [];
    } catch {
      // Storage blocked or garbled: what this page kept.
      return [...this.kept];
    }
  }

  /** The sessions of `userId` here, most recent first. */
  list(userId: string | null): string[] {
    return this.entries()
      .filter((entry) => entry.user_id === userId)
      .map((entry) => entry.session_id);
  }

  has(sessionId: string, userId: string | null): boolean {
    return this.list(userId).includes(sessionId);
  }

  /** Whether any user of this browser has the session (its device key is theirs alike). */
  here(sessionId: string): boolean {
    return this.entries().some((entry) => entry.session_id === sessionId);
  }

  /** Note a session of `userId` (the most recent first). */
  remember = (sessionId: string, userId: string): void => {
    const others = this.entries().filter(
      (entry) => !(entry.session_id === sessionId && entry.user_id === userId),
    );
    this.write([{ session_id: sessionId, user_id: userId }, ...others].slice(0, HOSTED_KEPT));
  };

  /** Forget a session for `userId` (gone, or not theirs). */
  forget = (sessionId: string, userId: string | null): void => {
    this.write(
      this.entries().filter((entry) => !(entry.session_id === sessionId && entry.user_id === userId)),
    );
  };

  private write(entries: Entry[]): void {
    this.kept = entries;
    try {
      this.storage?.setItem(this.key, JSON.stringify(entries));
    } catch {
      // Kept for this page only.
    }
  }
}

/**
 * The sessions hosted in this browser, by whom: a teacher who closed the
 * projector's tab finds the quiz still running on "Host", and one who types
 * their own quiz ID into "Play" gets the host's screen, not a seat among the
 * players.
 */
export class HostedSessions extends SessionList {
  constructor(storage: Storage | null) {
    super(storage, HOSTED_KEY);
  }

  /** Whether the session was hosted from this browser (by any of its users). */
  hostedHere(sessionId: string): boolean {
    return this.here(sessionId);
  }
}

/**
 * The sessions joined as a player in this browser: a student who closed the
 * tab (its sign-in went with it) and opens the quiz's link again is taken
 * back into it, as the same player, without the join form.
 */
export class JoinedSessions extends SessionList {
  constructor(storage: Storage | null) {
    super(storage, JOINED_KEY);
  }

  /** Whether any user of this browser joined the session (its device key is theirs alike). */
  joinedHere(sessionId: string): boolean {
    return this.here(sessionId);
  }
}
