import { describe, expect, it } from 'vitest';
import { formatScore } from './format';

describe('formatScore', () => {
  it('shows every score as the plain integer, in any locale', () => {
    expect(formatScore(6000)).toBe('6000');
    expect(formatScore(0)).toBe('0');
    expect(formatScore(1234567)).toBe('1234567');
    expect(formatScore(null)).toBe('–');
    expect(formatScore(undefined)).toBe('–');
  });
});
