/**
 * The self-paced question this browser has on screen and has not answered,
 * per session and user, in `localStorage` (it outlives the tab). A student
 * who comes back (a reload, the quiz's link in a new tab) after its time ran
 * out is told so, rather than finding the next question without a word.
 */

import { deviceStorage } from './storage';

export interface ShownQuestion {
  question_id: string;
  index: number;
}

type StoreLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function key(sessionId: string, userId: string): string {
  return `quizcore.shown.${sessionId}.${userId}`;
}

/** The unanswered question last on screen, if remembered. */
export function recallShown(
  sessionId: string,
  userId: string,
  storage: StoreLike | null = deviceStorage(),
): ShownQuestion | null {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(key(sessionId, userId)) ?? 'null');
    if (parsed === null || typeof parsed !== 'object') return null;
    const { question_id: questionId, index } = parsed as Record<string, unknown>;
    return typeof questionId === 'string' && typeof index === 'number'
      ? { question_id: questionId, index }
      : null;
  } catch {
    return null;
  }
}

/** Remember the question now on screen (or, with `null`, that none is left unanswered). */
export function rememberShown(
  sessionId: string,
  userId: string,
  shown: ShownQuestion | null,
  storage: StoreLike | null = deviceStorage(),
): void {
  try {
    if (shown) storage?.setItem(key(sessionId, userId), JSON.stringify(shown));
    else storage?.removeItem(key(sessionId, userId));
  } catch {
    // Quota or privacy mode: only the note on coming back is lost.
  }
}
