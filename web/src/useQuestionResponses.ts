/**
 * What the class typed to a revealed question, for the host's reveal: read
 * from `GET /questions/{id}/responses` once the question closed, and again
 * when its answer count changes (a removed player's answer drops out).
 */

import { useEffect, useState } from 'react';
import type { ApiClient, QuestionResponses } from './api';

/**
 * How long before a failed read is tried once more. The `question.closed`
 * frame may reach the host a moment before every server process knows the
 * reveal, and a projector's network may drop a request.
 */
export const RESPONSES_RETRY_MS = 1500;

/**
 * The grouped answers to `questionId` (null: nothing to show). A failure is
 * tried once more, then given up quietly: the reveal is whole without them.
 * `version` reads them again when it changes (the question's answer count);
 * what was shown stays until the new read arrives.
 */
export function useQuestionResponses(
  api: ApiClient,
  sessionId: string,
  questionId: string | null,
  version: number | null,
): QuestionResponses | null {
  const [found, setFound] = useState<QuestionResponses | null>(null);

  useEffect(() => {
    if (questionId === null) return;
    let gone = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async (again: boolean) => {
      try {
        const responses = await api.questionResponses(sessionId, questionId);
        if (!gone) setFound(responses);
      } catch {
        if (!gone && again) timer = setTimeout(() => void read(false), RESPONSES_RETRY_MS);
      }
    };
    void read(true);
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, [api, sessionId, questionId, version]);

  // Another question's answers never show under this one's prompt.
  return found !== null && found.question_id === questionId ? found : null;
}
