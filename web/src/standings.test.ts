import { describe, expect, it } from 'vitest';
import type { ResultRow } from './api';
import { competitionRanks, podiumSteps } from './standings';

function row(user: string, score: number, rank = 0): ResultRow {
  return { rank, user_id: user, display_name: user.toUpperCase(), score, correct_count: null };
}

describe('competitionRanks', () => {
  it('ranks 900, 700, 700, 500 as 1, 2, 2, 4', () => {
    const ranked = competitionRanks([row('a', 900), row('b', 700), row('c', 700), row('d', 500)]);
    expect(ranked.map((item) => item.rank)).toEqual([1, 2, 2, 4]);
  });

  it('fixes wrong ranks and sorts by score, keeping the order of ties', () => {
    const ranked = competitionRanks([row('c', 700, 3), row('a', 900, 2), row('b', 700, 1)]);
    expect(ranked.map((item) => [item.user_id, item.rank])).toEqual([
      ['a', 1],
      ['c', 2],
      ['b', 2],
    ]);
  });
});

describe('podiumSteps', () => {
  it('puts two tied players on the silver step and leaves bronze empty', () => {
    const steps = podiumSteps([row('a', 900), row('b', 700), row('c', 700), row('d', 500)]);
    expect(steps.map((step) => [step.rank, step.rows.map((item) => item.user_id)])).toEqual([
      [1, ['a']],
      [2, ['b', 'c']],
    ]);
  });

  it('gives two golds and a bronze for 900, 900, 700', () => {
    const steps = podiumSteps([row('a', 900), row('b', 900), row('c', 700)]);
    expect(steps.map((step) => [step.rank, step.rows.length])).toEqual([
      [1, 2],
      [3, 1],
    ]);
  });

  it('is empty without players', () => {
    expect(podiumSteps([])).toEqual([]);
  });
});
