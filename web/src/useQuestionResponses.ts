/**
 * What the class typed to a question, for the host: read from
 * `GET /questions/{id}/responses` once a live question closed (the reveal),
 * and again when its answer count changes (a removed player's answer drops
 * out); or, in a self-paced quiz, while the teacher has a question's list
 * open, every few seconds as the class works.
 */

import { useEffect, useState } from 'react';
import type { ApiClient, QuestionResponses } from './api';

/**
 * How long before a failed read is tried once more. The `question.closed`
 * frame may reach the host a moment before every server process knows the
 * reveal, and a projector's network may drop a request.
 */
export const RESPONSES_RETRY_MS = 1500;

/** What is known of one question's answers. */
export interface ResponsesRead {
  /** The grouped answers last read (null: none read yet). */
  responses: QuestionResponses | null;
  /** The last read failed, its second try too (what was read before stays in `responses`). */
  failed: boolean;
}

interface Found {
  questionId: string;
  responses: QuestionResponses | null;
  failed: boolean;
}

/**
 * The grouped answers to `questionId` and whether reading them failed. A
 * failure is tried once more, then given up until the next read (with
 * `everyMs`, the next read is the retry). `version`
 * reads them again when it changes (the question's answer count); with
 * `everyMs` they are also read that often while `questionId` is given. What
 * was shown stays until a new read arrives; a read overtaken by a later one
 * is dropped.
 */
export function useQuestionResponsesRead(
  api: ApiClient,
  sessionId: string,
  questionId: string | null,
  version: number | null,
  everyMs?: number,
): ResponsesRead {
  const [found, setFound] = useState<Found | null>(null);

  useEffect(() => {
    if (questionId === null) return;
    let gone = false;
    let latest = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async (again: boolean) => {
      const mine = ++latest;
      try {
        const responses = await api.questionResponses(sessionId, questionId);
        if (!gone && mine === latest) setFound({ questionId, responses, failed: false });
      } catch {
        if (gone || mine !== latest) return;
        if (again) {
          timer = setTimeout(() => void read(false), RESPONSES_RETRY_MS);
        } else {
          setFound((known) => ({
            questionId,
            responses: known?.questionId === questionId ? known.responses : null,
            failed: true,
          }));
        }
      }
    };
    void read(true);
    // The next of these is the retry: a failure shows at once, with what was read before.
    const every = everyMs ? setInterval(() => void read(false), everyMs) : undefined;
    return () => {
      gone = true;
      clearTimeout(timer);
      clearInterval(every);
    };
  }, [api, sessionId, questionId, version, everyMs]);

  // Another question's answers never show under this one's prompt.
  if (found === null || found.questionId !== questionId) return { responses: null, failed: false };
  const responses = found.responses !== null && found.responses.question_id === questionId ? found.responses : null;
  return { responses, failed: found.failed };
}

/**
 * The grouped answers to `questionId` (null: nothing to show), for the live
 * reveal. A failure is tried once more, then given up quietly: the reveal is
 * whole without them. `version` reads them again when it changes (the
 * question's answer count); what was shown stays until the new read arrives.
 */
export function useQuestionResponses(
  api: ApiClient,
  sessionId: string,
  questionId: string | null,
  version: number | null,
): QuestionResponses | null {
  return useQuestionResponsesRead(api, sessionId, questionId, version).responses;
}
