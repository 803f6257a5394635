import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient } from './api';
import { ANSWER_RETRIES, ANSWER_RETRY_MS, useRightAnswers } from './useRightAnswers';

const notYet = () => new ApiError(403, 'forbidden', 'Forbidden', 'the answer to q1 is not shown yet');

function answersFrom(questionAnswer: ReturnType<typeof vi.fn>) {
  const api = { questionAnswer } as unknown as ApiClient;
  return renderHook(() => useRightAnswers(api, 'K7PQ2M'));
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('useRightAnswers', () => {
  it('gives a time-out up silently after about 2.5 s of refusals, then asks no more for it', async () => {
    const questionAnswer = vi.fn(async () => {
      throw notYet();
    });
    const { result } = answersFrom(questionAnswer);
    act(() => result.current.afterTimeUp('q1'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });
    expect(ANSWER_RETRIES * ANSWER_RETRY_MS).toBeLessThanOrEqual(2500);
    expect(questionAnswer).toHaveBeenCalledTimes(ANSWER_RETRIES + 1);
    expect(result.current.answers).toEqual({});

    // The same question is not asked again; a wrong answer elsewhere still is.
    act(() => result.current.afterTimeUp('q1'));
    act(() => result.current.afterWrong('q2'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });
    expect(questionAnswer).toHaveBeenCalledTimes(ANSWER_RETRIES + 2);
    expect(questionAnswer).toHaveBeenLastCalledWith('K7PQ2M', 'q2');
  });

  it('tries a wrong answer again when the network failed, not when the question is unknown', async () => {
    const questionAnswer = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValueOnce({ question_id: 'q1', index: 0, correct_answer: 'start' })
      .mockRejectedValueOnce(new ApiError(404, 'not_found', 'Not Found', 'no question q9'));
    const { result } = answersFrom(questionAnswer);
    act(() => result.current.afterWrong('q1'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(ANSWER_RETRY_MS);
    });
    expect(result.current.answers).toEqual({ q1: 'start' });

    act(() => result.current.afterWrong('q9'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });
    expect(questionAnswer).toHaveBeenCalledTimes(3);
    expect(result.current.answers).toEqual({ q1: 'start' });
  });
});
