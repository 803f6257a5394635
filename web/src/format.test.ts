import { describe, expect, it } from 'vitest';
import { formatPoints, formatScore, hasVisibleText } from './format';

describe('formatScore', () => {
  it('shows every score as the plain integer, in any locale', () => {
    expect(formatScore(6000)).toBe('6000');
    expect(formatScore(0)).toBe('0');
    expect(formatScore(1234567)).toBe('1234567');
    expect(formatScore(null)).toBe('–');
    expect(formatScore(undefined)).toBe('–');
  });
});

describe('formatPoints', () => {
  it('says "point" for one, "points" for any other score', () => {
    expect(formatPoints(1)).toBe('1 point');
    expect(formatPoints(0)).toBe('0 points');
    expect(formatPoints(950)).toBe('950 points');
    expect(formatPoints(null)).toBe('– points');
  });
});

describe('hasVisibleText', () => {
  it('needs a character that shows, as the server does for names', () => {
    for (const name of ['Ana', 'Zoë', '李雷', '👩\u200d💻', 'a\u200b']) expect(hasVisibleText(name)).toBe(true);
    for (const name of ['', '   ', '\u200b\u200b', '\u3164', '\ufeff \u2060', '\u202e', '\u0301', '\x85', 'Zo\x85']) {
      expect(hasVisibleText(name)).toBe(false);
    }
  });
});
