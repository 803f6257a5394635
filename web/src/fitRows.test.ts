import { describe, expect, it } from 'vitest';
import { rowsThatFit } from './fitRows';

describe('rowsThatFit', () => {
  it('counts the whole rows that fit, gaps between them', () => {
    // 6 rows of 45 px with 5 px gaps take 295 px; a seventh would need 345.
    expect(rowsThatFit(333, 45, 5, 3, 8)).toBe(6);
    expect(rowsThatFit(345, 45, 5, 3, 8)).toBe(7);
  });

  it('keeps within its bounds, and gives the most where nothing was laid out', () => {
    expect(rowsThatFit(2000, 45, 5, 3, 8)).toBe(8);
    expect(rowsThatFit(60, 45, 5, 3, 8)).toBe(3);
    expect(rowsThatFit(0, 0, 0, 3, 8)).toBe(8);
  });
});
