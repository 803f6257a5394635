/**
 * The live questions this tab showed open, per session and user, in
 * `sessionStorage` (`quizcore.seenOpen.<session_id>.<user_id>`, a list of
 * question ids, the last few kept): a reload during a reveal still knows the
 * player had that question on screen, and is not greeted as a newcomer.
 */

import { tabStorage } from './storage';

type StoreLike = Pick<Storage, 'getItem' | 'setItem'>;

const KEEP = 20;

function key(sessionId: string, userId: string): string {
  return `quizcore.seenOpen.${sessionId}.${userId}`;
}

/** The question ids remembered as shown open. */
export function recallSeenOpen(
  sessionId: string,
  userId: string,
  storage: StoreLike | null = tabStorage(),
): string[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(key(sessionId, userId)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** Remembers that `questionId` was shown open. */
export function rememberSeenOpen(
  sessionId: string,
  userId: string,
  questionId: string,
  storage: StoreLike | null = tabStorage(),
): void {
  try {
    const known = recallSeenOpen(sessionId, userId, storage);
    if (known.includes(questionId)) return;
    storage?.setItem(key(sessionId, userId), JSON.stringify([...known, questionId].slice(-KEEP)));
  } catch {
    // Storage full or blocked: a reload at the reveal may greet them as new.
  }
}
