import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type QuestionResponses } from './api';
import { typedResponses } from './test/fixtures';
import { RESPONSES_RETRY_MS, useQuestionResponses, useQuestionResponsesRead } from './useQuestionResponses';

const refused = () => new ApiError(403, 'forbidden', 'Forbidden', 'shows once it is revealed');

const typed = (questionId: string, count: number): QuestionResponses =>
  typedResponses({ question_id: questionId, index: 2, responses: [{ answer: 'hello', count, correct: true }] });

interface Props {
  questionId: string | null;
  version: number | null;
}

function responsesFrom(questionResponses: ReturnType<typeof vi.fn>, initial: Props) {
  const api = { questionResponses } as unknown as ApiClient;
  return renderHook(({ questionId, version }: Props) => useQuestionResponses(api, 'K7PQ2M', questionId, version), {
    initialProps: initial,
  });
}

/** Let the pending reads and timers run. */
async function settle(ms = 0) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('useQuestionResponses', () => {
  it('asks nothing while no typed question is revealed', async () => {
    const questionResponses = vi.fn();
    const { result } = responsesFrom(questionResponses, { questionId: null, version: null });
    await settle(10_000);
    expect(questionResponses).not.toHaveBeenCalled();
    expect(result.current).toBeNull();
  });

  it('reads the revealed question once, and again when its answer count changes', async () => {
    const questionResponses = vi
      .fn()
      .mockResolvedValueOnce(typed('q3', 3))
      .mockResolvedValueOnce(typed('q3', 2));
    const { result, rerender } = responsesFrom(questionResponses, { questionId: 'q3', version: 3 });
    await settle();
    expect(questionResponses).toHaveBeenCalledWith('K7PQ2M', 'q3');
    expect(result.current?.answer_count).toBe(3);

    // A removed player's answer drops out of the statistics, then out of the list.
    rerender({ questionId: 'q3', version: 2 });
    await settle();
    expect(questionResponses).toHaveBeenCalledTimes(2);
    expect(result.current?.answer_count).toBe(2);
  });

  it('tries once more after a failure, then gives up quietly', async () => {
    const questionResponses = vi.fn().mockRejectedValue(refused());
    const { result } = responsesFrom(questionResponses, { questionId: 'q3', version: 3 });
    await settle();
    expect(questionResponses).toHaveBeenCalledTimes(1);
    await settle(RESPONSES_RETRY_MS);
    expect(questionResponses).toHaveBeenCalledTimes(2);
    await settle(10_000);
    expect(questionResponses).toHaveBeenCalledTimes(2);
    expect(result.current).toBeNull();
  });

  it('shows what the second try read, after a network failure', async () => {
    const questionResponses = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(typed('q3', 3));
    const { result } = responsesFrom(questionResponses, { questionId: 'q3', version: 3 });
    await settle(RESPONSES_RETRY_MS);
    expect(result.current?.question_id).toBe('q3');
  });

  it("never shows a question's answers under the next one", async () => {
    let answerQ5: (value: QuestionResponses) => void = () => undefined;
    const questionResponses = vi
      .fn()
      .mockResolvedValueOnce(typed('q3', 3))
      .mockReturnValueOnce(new Promise<QuestionResponses>((resolve) => (answerQ5 = resolve)));
    const { result, rerender } = responsesFrom(questionResponses, { questionId: 'q3', version: 3 });
    await settle();
    expect(result.current?.question_id).toBe('q3');

    rerender({ questionId: 'q5', version: 1 });
    expect(result.current).toBeNull();
    answerQ5(typed('q5', 1));
    await settle();
    expect(result.current?.question_id).toBe('q5');
  });
});

describe('useQuestionResponsesRead', () => {
  const EVERY_MS = 4000;

  function readEvery(questionResponses: ReturnType<typeof vi.fn>, version: number | null = 1) {
    const api = { questionResponses } as unknown as ApiClient;
    return renderHook(
      ({ questionId }: { questionId: string | null }) =>
        useQuestionResponsesRead(api, 'K7PQ2M', questionId, version, EVERY_MS),
      { initialProps: { questionId: 'q3' as string | null } },
    );
  }

  it('reads again every few seconds while a question is open, and stops once it is not', async () => {
    const questionResponses = vi
      .fn()
      .mockResolvedValueOnce(typed('q3', 1))
      .mockResolvedValueOnce(typed('q3', 4));
    const { result, rerender } = readEvery(questionResponses);
    await settle();
    expect(result.current).toEqual({ responses: typed('q3', 1), failed: false });

    await settle(EVERY_MS);
    expect(questionResponses).toHaveBeenCalledTimes(2);
    expect(result.current.responses?.answer_count).toBe(4);

    rerender({ questionId: null });
    await settle(EVERY_MS * 3);
    expect(questionResponses).toHaveBeenCalledTimes(2);
    expect(result.current).toEqual({ responses: null, failed: false });
  });

  it('says a read failed, keeping what was read before, until one gets through', async () => {
    const questionResponses = vi
      .fn()
      .mockResolvedValueOnce(typed('q3', 2))
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce(typed('q3', 3));
    const { result } = readEvery(questionResponses);
    await settle();
    await settle(EVERY_MS);
    expect(result.current.failed).toBe(true);
    expect(result.current.responses?.answer_count).toBe(2);

    await settle(EVERY_MS);
    expect(result.current).toEqual({ responses: typed('q3', 3), failed: false });
  });

  it('says so when nothing could be read, after the second try', async () => {
    const questionResponses = vi.fn().mockRejectedValue(refused());
    const { result } = readEvery(questionResponses);
    await settle();
    expect(result.current).toEqual({ responses: null, failed: false });
    await settle(RESPONSES_RETRY_MS);
    expect(questionResponses).toHaveBeenCalledTimes(2);
    expect(result.current).toEqual({ responses: null, failed: true });
  });
});
