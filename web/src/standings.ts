/** Ranking helpers for the podium and the final table. */

import type { ResultRow } from './api';

/**
 * Re-rank rows by competition ranking: 1 + the number of strictly higher scores.
 *
 * Scores 900, 700, 700, 500 rank 1, 2, 2, 4 (the contract's rule), whatever
 * ranks the rows carried; the order of equal scores is kept.
 */
export function competitionRanks<T extends { score: number; rank: number }>(rows: T[]): T[] {
  const ordered = rows
    .map((row, position) => ({ row, position }))
    .sort((a, b) => b.row.score - a.row.score || a.position - b.position)
    .map(({ row }) => row);
  return ordered.map((row) => ({
    ...row,
    rank: 1 + ordered.filter((other) => other.score > row.score).length,
  }));
}

export interface PodiumStep {
  /** 1, 2 or 3: the step's height and colour. */
  rank: number;
  rows: ResultRow[];
}

/**
 * The podium: one step per rank from 1 to 3, tied players sharing a step.
 *
 * 900, 700, 700 gives gold to one player and silver to both 700s (no bronze:
 * the next rank is 4); 900, 900, 700 gives two golds and a bronze.
 */
export function podiumSteps(standings: ResultRow[]): PodiumStep[] {
  const steps: PodiumStep[] = [];
  for (const row of competitionRanks(standings)) {
    if (row.rank > 3) break;
    const step = steps.find((item) => item.rank === row.rank);
    if (step) step.rows.push(row);
    else steps.push({ rank: row.rank, rows: [row] });
  }
  return steps;
}
