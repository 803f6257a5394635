import { describe, expect, it } from 'vitest';
import {
  ambiguousIn,
  isThisComputerOnly,
  isValidJoinCode,
  joinCodeFromSearch,
  joinUrl,
  normaliseJoinCode,
} from './joinCode';

describe('join codes', () => {
  it('upper-cases what people type', () => {
    expect(normaliseJoinCode('abcdef')).toBe('ABCDEF');
  });

  it('drops spaces, dashes and characters no quiz ID has', () => {
    expect(normaliseJoinCode(' ab-c d9 ')).toBe('ABCD9');
    expect(normaliseJoinCode('O0I1XYZ')).toBe('XYZ');
  });

  it('names a character typed that no quiz ID has, so it is not dropped unseen', () => {
    expect(ambiguousIn('K7PQ0M')).toBe('0');
    expect(ambiguousIn('k7 pq-om')).toBe('o');
    expect(ambiguousIn('K7PQ2M')).toBeNull();
    expect(ambiguousIn('http://192.168.1.20:8000/?join=K7PQ2M')).toBeNull();
  });

  it('keeps at most eight characters', () => {
    expect(normaliseJoinCode('ABCDEFGHJK')).toBe('ABCDEFGH');
  });

  it('reads full-width characters typed on phone keyboards', () => {
    expect(normaliseJoinCode('ＡＢＣ２３４')).toBe('ABC234');
  });

  it('takes the ID out of a pasted join link', () => {
    expect(normaliseJoinCode('https://quiz.example/?join=k7pq2m')).toBe('K7PQ2M');
  });

  it('accepts 6 to 8 characters of the unambiguous alphabet', () => {
    expect(isValidJoinCode('K7PQ2M')).toBe(true);
    expect(isValidJoinCode('K7PQ2MZZ')).toBe(true);
    expect(isValidJoinCode('K7PQ2')).toBe(false);
    expect(isValidJoinCode('K7PQ2MZZZ')).toBe(false);
    expect(isValidJoinCode('K7PQ0M')).toBe(false);
    expect(isValidJoinCode('k7pq2m')).toBe(false);
  });

  it('builds and reads the QR join URL', () => {
    const url = joinUrl('https://quiz.example', '/', 'K7PQ2M');
    expect(url).toBe('https://quiz.example/?join=K7PQ2M');
    expect(joinCodeFromSearch(new URL(url).search)).toBe('K7PQ2M');
    expect(joinCodeFromSearch('?join=k7pq2m')).toBe('K7PQ2M');
    expect(joinCodeFromSearch('')).toBe('');
  });

  it('knows a link only the serving computer can open', () => {
    for (const base of ['http://127.0.0.1:8000', 'http://localhost:8000', 'http://[::1]:8000', 'http://quiz.localhost']) {
      expect(isThisComputerOnly(joinUrl(base, '/', 'K7PQ2M'))).toBe(true);
    }
    for (const base of ['http://192.168.1.20:8000', 'https://quiz.example', 'http://10.0.0.127']) {
      expect(isThisComputerOnly(joinUrl(base, '/', 'K7PQ2M'))).toBe(false);
    }
    expect(isThisComputerOnly('not a link')).toBe(false);
  });
});
