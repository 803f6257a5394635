/**
 * This tab's answers, remembered across a page reload.
 *
 * `sessionStorage` (one tab, survives a reload) maps question_id → the
 * submission_id sent for it (and the answer), per session and user. After a
 * reload the client finds the submission id of a question the server reports as
 * answered and reads its scored result with `GET /answers/{submission_id}`.
 */

import { tabStorage } from './storage';

export interface StoredSubmission {
  submission_id: string;
  answer: string | null;
}

type StoreLike = Pick<Storage, 'getItem' | 'setItem'>;

function key(sessionId: string, userId: string): string {
  return `quizcore.answers.${sessionId}.${userId}`;
}

function readAll(storage: StoreLike, sessionId: string, userId: string): Record<string, StoredSubmission> {
  let raw: string | null = null;
  try {
    raw = storage.getItem(key(sessionId, userId));
  } catch {
    return {};
  }
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const out: Record<string, StoredSubmission> = {};
  for (const [questionId, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string') {
      out[questionId] = { submission_id: value, answer: null };
    } else if (value !== null && typeof value === 'object') {
      const item = value as Record<string, unknown>;
      if (typeof item.submission_id === 'string') {
        out[questionId] = {
          submission_id: item.submission_id,
          answer: typeof item.answer === 'string' ? item.answer : null,
        };
      }
    }
  }
  return out;
}

/** The submission this tab sent for a question, if it remembers one. */
export function recallSubmission(
  sessionId: string,
  userId: string,
  questionId: string,
  storage: StoreLike | null = tabStorage(),
): StoredSubmission | null {
  if (!storage) return null;
  return readAll(storage, sessionId, userId)[questionId] ?? null;
}

/** Remember (or, with `null`, forget) the submission sent for a question. */
export function rememberSubmission(
  sessionId: string,
  userId: string,
  questionId: string,
  submission: StoredSubmission | null,
  storage: StoreLike | null = tabStorage(),
): void {
  if (!storage) return;
  const all = readAll(storage, sessionId, userId);
  if (submission) all[questionId] = submission;
  else delete all[questionId];
  try {
    storage.setItem(key(sessionId, userId), JSON.stringify(all));
  } catch {
    // Quota or privacy mode: the answer still counts, only a reload forgets it.
  }
}
