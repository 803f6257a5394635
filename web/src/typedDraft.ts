/**
 * What a player typed into a typed question's box and has not sent yet,
 * kept across a page reload.
 *
 * `sessionStorage` (one tab, survives a reload), per session and user, as
 * the quiz editor keeps its draft (`quizcore.quizDraft.<user_id>`): one draft
 * at a time, named by its question, since one question is open at a time. A
 * reload while the question is still open puts the text back in the box
 * (where the time running out sends it); it is forgotten once sent or once
 * the question closes.
 */

import { tabStorage } from './storage';

export interface TypedDraft {
  question_id: string;
  text: string;
}

type StoreLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function key(sessionId: string, userId: string): string {
  return `quizcore.typedDraft.${sessionId}.${userId}`;
}

function read(storage: StoreLike, sessionId: string, userId: string): TypedDraft | null {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(key(sessionId, userId)) ?? 'null');
    if (parsed === null || typeof parsed !== 'object') return null;
    const { question_id: questionId, text } = parsed as Record<string, unknown>;
    return typeof questionId === 'string' && typeof text === 'string' ? { question_id: questionId, text } : null;
  } catch {
    return null;
  }
}

/** The text kept for a question, if this tab typed some and has not sent it. */
export function recallTypedDraft(
  sessionId: string,
  userId: string,
  questionId: string,
  storage: StoreLike | null = tabStorage(),
): string | null {
  if (!storage) return null;
  const kept = read(storage, sessionId, userId);
  return kept && kept.question_id === questionId && kept.text.trim() !== '' ? kept.text : null;
}

/**
 * Keep what is typed for a question; with `null` or a blank text, forget it
 * (only that question's: a newer question's draft stays).
 */
export function rememberTypedDraft(
  sessionId: string,
  userId: string,
  questionId: string,
  text: string | null,
  storage: StoreLike | null = tabStorage(),
): void {
  if (!storage) return;
  try {
    if (text !== null && text.trim() !== '') {
      storage.setItem(key(sessionId, userId), JSON.stringify({ question_id: questionId, text }));
      return;
    }
    if (read(storage, sessionId, userId)?.question_id === questionId) {
      storage.removeItem(key(sessionId, userId));
    } else if (storage.getItem(key(sessionId, userId)) !== null && read(storage, sessionId, userId) === null) {
      // Garbled: nothing to restore from it.
      storage.removeItem(key(sessionId, userId));
    }
  } catch {
    // Quota or privacy mode: only a reload loses the draft.
  }
}
