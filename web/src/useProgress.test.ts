import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient, PlayerProgress, SessionProgress } from './api';
import { leftUnfinished, PROGRESS_EVERY_MS, PROGRESS_SETTLE_MS, useProgress, useSeenHere } from './useProgress';

const read = (done: number): SessionProgress => ({
  session_id: 'K7PQ2M',
  question_count: 8,
  done_count: done,
  items: [],
});

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('useProgress', () => {
  it('reads at once, every few seconds, and shortly after a new board', async () => {
    let done = 0;
    const getProgress = vi.fn(async () => read(done++));
    const api = { getProgress } as unknown as ApiClient;
    const { result, rerender } = renderHook(
      ({ version }: { version: number | null }) => useProgress(api, 'K7PQ2M', true, version),
      { initialProps: { version: 3 } },
    );
    await act(async () => {});
    expect(getProgress).toHaveBeenCalledTimes(1);
    expect(getProgress).toHaveBeenCalledWith('K7PQ2M');
    expect(result.current?.done_count).toBe(0);

    await act(async () => {
      await vi.advanceTimersByTimeAsync(PROGRESS_EVERY_MS);
    });
    expect(getProgress).toHaveBeenCalledTimes(2);

    // A burst of boards (a class answering): one read once it settles.
    rerender({ version: 4 });
    rerender({ version: 5 });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(PROGRESS_SETTLE_MS);
    });
    expect(getProgress).toHaveBeenCalledTimes(3);
    expect(result.current?.done_count).toBe(2);
  });

  it('keeps the last read when one fails, and reads nothing while inactive', async () => {
    const getProgress = vi
      .fn<() => Promise<SessionProgress>>()
      .mockResolvedValueOnce(read(1))
      .mockRejectedValueOnce(new TypeError('offline'));
    const api = { getProgress } as unknown as ApiClient;
    const { result, rerender } = renderHook(
      ({ active }: { active: boolean }) => useProgress(api, 'K7PQ2M', active, null),
      { initialProps: { active: true } },
    );
    await act(async () => {});
    await act(async () => {
      await vi.advanceTimersByTimeAsync(PROGRESS_EVERY_MS);
    });
    expect(getProgress).toHaveBeenCalledTimes(2);
    expect(result.current?.done_count).toBe(1);

    rerender({ active: false });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(PROGRESS_EVERY_MS * 3);
    });
    expect(getProgress).toHaveBeenCalledTimes(2);
  });
});

describe('leftUnfinished', () => {
  const bo = (here: boolean | null, done: boolean): PlayerProgress => ({
    user_id: 'u-bo',
    display_name: 'Bo',
    answered: 2,
    correct: 1,
    reached: 3,
    done,
    score: 1000,
    here,
  });

  const seen = new Set(['u-bo']);

  it('is a player seen here who closed their screen before finishing', () => {
    expect(leftUnfinished(bo(false, false), seen)).toBe(true);
  });

  it('is not one still here, one the server cannot tell about, or one who finished', () => {
    expect(leftUnfinished(bo(true, false), seen)).toBe(false);
    expect(leftUnfinished(bo(null, false), seen)).toBe(false);
    expect(leftUnfinished(bo(false, true), seen)).toBe(false);
  });

  it('is not one this page never saw here (answering without a screen)', () => {
    expect(leftUnfinished(bo(false, false), new Set())).toBe(false);
  });
});

describe('useSeenHere', () => {
  const progress = (...here: (boolean | null)[]): SessionProgress => ({
    session_id: 'K7PQ2M',
    question_count: 8,
    done_count: 0,
    items: here.map((present, index) => ({
      user_id: `u-${index}`,
      display_name: `P${index}`,
      answered: 0,
      correct: 0,
      reached: 1,
      done: false,
      score: 0,
      here: present,
    })),
  });

  it('remembers who any read showed here, through later reads that say they are gone', () => {
    const { result, rerender } = renderHook(({ read }: { read: SessionProgress | null }) => useSeenHere(read), {
      initialProps: { read: null as SessionProgress | null },
    });
    expect([...result.current]).toEqual([]);
    rerender({ read: progress(false, true, null) });
    expect([...result.current]).toEqual(['u-1']);
    rerender({ read: progress(true, false, false) });
    expect([...result.current].sort()).toEqual(['u-0', 'u-1']);
    rerender({ read: progress(false, false, false) });
    expect([...result.current].sort()).toEqual(['u-0', 'u-1']);
  });
});
