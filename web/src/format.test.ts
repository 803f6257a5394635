import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  describeError,
  describeRemovalError,
  formatPoints,
  formatScore,
  hasVisibleText,
  isLockedOut,
  isRemovedByHost,
} from './format';

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

describe('removing a player', () => {
  it("tells the host why a removal failed in the problem's own words", () => {
    const finished = new ApiError(409, 'session_finished', 'Conflict', 'session K7PQ2M is finished');
    expect(describeRemovalError(finished, 'Rude')).toBe('Could not remove Rude: session K7PQ2M is finished');
    // Without a detail: about the player, not "check the quiz ID".
    expect(describeRemovalError(new ApiError(404, 'not_found', 'Not Found', ''), 'Rude')).toBe(
      'Could not remove Rude: Rude is not in this quiz.',
    );
    expect(describeRemovalError(new TypeError('Failed to fetch'), 'Rude')).toBe(
      'Could not remove Rude: Could not reach the server. Check your connection.',
    );
  });

  it('knows a join refused because the host locked the quiz, and says what to do', () => {
    const locked = new ApiError(409, 'session_locked', 'Conflict', 'the host locked session K7PQ2M: ask them to let you in');
    expect(isLockedOut(locked)).toBe(true);
    expect(isLockedOut(new ApiError(409, 'session_finished', 'Conflict', 'session K7PQ2M is finished'))).toBe(false);
    expect(describeError(locked)).toBe('This quiz is locked. Ask your teacher to let you in.');
  });

  it('knows a join refused because the host removed the player', () => {
    expect(isRemovedByHost(new ApiError(403, 'forbidden', 'Forbidden', 'the host removed you from this session'))).toBe(true);
    expect(isRemovedByHost(new ApiError(403, 'forbidden', 'Forbidden', 'user is blocked'))).toBe(false);
    expect(isRemovedByHost(new ApiError(403, 'not_participant', 'Forbidden', 'removed'))).toBe(false);
    expect(isRemovedByHost(new Error('removed'))).toBe(false);
  });
});
