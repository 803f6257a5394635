/**
 * A self-paced player's right answers (v1.2 `show_answers`, homework): read
 * from `GET /questions/{id}/answer` once a question is over for them, after
 * a wrong answer or when its time ran out unanswered.
 */

import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type ApiClient } from './api';

/** How often a time-out's answer is asked for again while the server still refuses it. */
export const ANSWER_RETRY_MS = 400;

/**
 * Asks after the first: 6 × 400 ms, about 2.5 s. The server takes answers
 * for its grace (up to 1 s) past the deadline and shows the right one only
 * after it; this screen's clock may be a little ahead of the server's.
 */
export const ANSWER_RETRIES = 6;

export interface RightAnswers {
  /** question_id → its right answer, for the questions read so far. */
  answers: Record<string, string>;
  /** The player's answer was wrong: the right one is there at once, or never (the host kept it for the end). */
  afterWrong: (questionId: string) => void;
  /** The question's time ran out unanswered: the right one comes once the server's grace is over. */
  afterTimeUp: (questionId: string) => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Refused for now: the answer may not show yet, or not in this session. */
function isRefused(ex: unknown): boolean {
  return ex instanceof ApiError && ex.status === 403 && ex.code === 'forbidden';
}

/** A failure worth another try: no network, or the server busy. */
function isTransient(ex: unknown): boolean {
  return !(ex instanceof ApiError) || ex.status >= 500 || ex.status === 429;
}

/**
 * Read each question's right answer once, when asked. A wrong answer's 403
 * means the host did not choose `show_answers`: nothing is asked again in
 * this session. A time-out's 403 may be the server's grace: asked again
 * every ANSWER_RETRY_MS, then given up silently.
 */
export function useRightAnswers(api: ApiClient, sessionId: string): RightAnswers {
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const asked = useRef(new Set<string>());
  // The host keeps the answers for the end: no more asking.
  const keptForEnd = useRef(false);
  const gone = useRef(false);
  useEffect(() => {
    gone.current = false;
    return () => {
      gone.current = true;
    };
  }, []);

  const read = useCallback(
    async (questionId: string, timedOut: boolean) => {
      if (keptForEnd.current || asked.current.has(questionId)) return;
      asked.current.add(questionId);
      for (let attempt = 0; attempt <= ANSWER_RETRIES; attempt += 1) {
        if (attempt > 0) await sleep(ANSWER_RETRY_MS);
        if (gone.current || keptForEnd.current) return;
        try {
          const { correct_answer: answer } = await api.questionAnswer(sessionId, questionId);
          if (!gone.current && typeof answer === 'string') {
            setAnswers((known) => ({ ...known, [questionId]: answer }));
          }
          return;
        } catch (ex) {
          if (isRefused(ex) && !timedOut) {
            // The server has the answer, so its time is over for this player.
            keptForEnd.current = true;
            return;
          }
          if (!isRefused(ex) && !isTransient(ex)) return;
        }
      }
    },
    [api, sessionId],
  );

  const afterWrong = useCallback((questionId: string) => void read(questionId, false), [read]);
  const afterTimeUp = useCallback((questionId: string) => void read(questionId, true), [read]);
  return { answers, afterWrong, afterTimeUp };
}
