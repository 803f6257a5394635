/**
 * The host's say over what the class typed, on the projector: the words the
 * teacher hid (a rude one typed by a student), kept per session in
 * `sessionStorage` so a reload of the host's tab does not put them back up,
 * and whether the list shows at a reveal at all, kept per browser in
 * `localStorage` (a teacher who would rather look first keeps it hidden).
 */

import { useCallback, useState } from 'react';

type StoreLike = Pick<Storage, 'getItem' | 'setItem'>;

const SHOWN_KEY = 'quizcore.typedAnswersShown';

function hiddenKey(sessionId: string): string {
  return `quizcore.hiddenAnswers.${sessionId}`;
}

function storage(kind: 'session' | 'local'): StoreLike | null {
  try {
    const store = kind === 'session' ? globalThis.sessionStorage : globalThis.localStorage;
    return store ?? null;
  } catch {
    // Storage blocked: the choice holds until the page is left.
    return null;
  }
}

/**
 * What a typed word is hidden by: "Poop", "poop" and " POOP" are one word
 * to hide, whichever spelling of it the teacher pressed.
 */
export function answerKey(answer: string): string {
  return answer.normalize('NFC').trim().toLowerCase();
}

/** The words hidden on this tab in `sessionId`, as {@link answerKey}s. */
export function recallHidden(sessionId: string, store: StoreLike | null = storage('session')): string[] {
  try {
    const parsed: unknown = JSON.parse(store?.getItem(hiddenKey(sessionId)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((word): word is string => typeof word === 'string') : [];
  } catch {
    return [];
  }
}

/** Remember the words hidden in `sessionId`. */
export function rememberHidden(
  sessionId: string,
  words: readonly string[],
  store: StoreLike | null = storage('session'),
): void {
  try {
    store?.setItem(hiddenKey(sessionId), JSON.stringify(words));
  } catch {
    // Quota or privacy mode: hidden until the page is left.
  }
}

/** Whether this browser shows what the class typed at a reveal (yes unless the host said no). */
export function recallTypedShown(store: StoreLike | null = storage('local')): boolean {
  try {
    return store?.getItem(SHOWN_KEY) !== 'false';
  } catch {
    return true;
  }
}

/** Remember whether this browser shows what the class typed at a reveal. */
export function rememberTypedShown(shown: boolean, store: StoreLike | null = storage('local')): void {
  try {
    store?.setItem(SHOWN_KEY, String(shown));
  } catch {
    // Quota or privacy mode: the choice holds until the page is left.
  }
}

/**
 * The words hidden in `sessionId` (as {@link answerKey}s), a way to hide
 * one more, and a way to show them all again (the teacher's undo: the
 * session's list is emptied). Read once: the host's screen is mounted afresh
 * for each session.
 */
export function useHiddenAnswers(
  sessionId: string,
): [ReadonlySet<string>, (answer: string) => void, () => void] {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set(recallHidden(sessionId)));
  const hide = useCallback(
    (answer: string) =>
      setHidden((known) => {
        const words = new Set(known).add(answerKey(answer));
        rememberHidden(sessionId, [...words]);
        return words;
      }),
    [sessionId],
  );
  const restore = useCallback(() => {
    rememberHidden(sessionId, []);
    setHidden(new Set());
  }, [sessionId]);
  return [hidden, hide, restore];
}

/** Whether what the class typed shows at a reveal on this browser, and a way to change it. */
export function useTypedAnswersShown(): [boolean, (shown: boolean) => void] {
  const [shown, setShown] = useState(() => recallTypedShown());
  const change = useCallback((next: boolean) => {
    rememberTypedShown(next);
    setShown(next);
  }, []);
  return [shown, change];
}
