import { describe, expect, it } from 'vitest';
import { HOSTED_KEPT, HostedSessions, JoinedSessions } from './hosted';

describe('HostedSessions', () => {
  it('keeps the latest sessions first, each once, a few at most', () => {
    const hosted = new HostedSessions(localStorage);
    for (let index = 0; index < HOSTED_KEPT + 2; index += 1) hosted.remember(`CODE0${index}`, 'u-host');
    hosted.remember('CODE03', 'u-host');

    // The latest first; the two oldest fell off the end.
    const rest = Array.from({ length: HOSTED_KEPT + 2 }, (_, index) => `CODE0${index}`)
      .reverse()
      .filter((code) => code !== 'CODE03');
    expect(new HostedSessions(localStorage).list('u-host')).toEqual(['CODE03', ...rest.slice(0, HOSTED_KEPT - 1)]);
    expect(hosted.has('CODE00', 'u-host')).toBe(false);
    expect(hosted.has('CODE01', 'u-host')).toBe(false);
  });

  it("keeps each user's sessions apart on a shared browser", () => {
    const hosted = new HostedSessions(localStorage);
    hosted.remember('K7PQ2M', 'u-teacher');
    hosted.remember('X9RT4M', 'u-other');

    expect(hosted.has('K7PQ2M', 'u-teacher')).toBe(true);
    expect(hosted.has('K7PQ2M', 'u-student')).toBe(false);
    hosted.forget('K7PQ2M', 'u-student');
    expect(hosted.list('u-teacher')).toEqual(['K7PQ2M']);
    hosted.forget('K7PQ2M', 'u-teacher');
    expect(hosted.list('u-teacher')).toEqual([]);
    expect(hosted.list('u-other')).toEqual(['X9RT4M']);
  });

  it('reads garbled storage as nothing hosted', () => {
    localStorage.setItem('quizcore.hosted', '{not json');
    expect(new HostedSessions(localStorage).list('u-host')).toEqual([]);
    localStorage.setItem(
      'quizcore.hosted',
      JSON.stringify(['K7PQ2M', { session_id: 'X9RT4M', user_id: 'u-host' }, { session_id: 7 }]),
    );
    expect(new HostedSessions(localStorage).list('u-host')).toEqual(['X9RT4M']);
  });

  it('keeps the list for the page when there is no storage', () => {
    const hosted = new HostedSessions(null);
    hosted.remember('K7PQ2M', 'u-host');

    expect(hosted.list('u-host')).toEqual(['K7PQ2M']);
    expect(new HostedSessions(null).list('u-host')).toEqual([]);
  });
});

describe('JoinedSessions', () => {
  it('knows the quizzes joined in this browser, apart from those hosted', () => {
    new JoinedSessions(localStorage).remember('K7PQ2M', 'u-ann');
    new HostedSessions(localStorage).remember('X9RT4M', 'u-ann');

    const joined = new JoinedSessions(localStorage);
    expect(joined.joinedHere('K7PQ2M')).toBe(true);
    expect(joined.joinedHere('X9RT4M')).toBe(false);
    expect(new HostedSessions(localStorage).has('K7PQ2M', 'u-ann')).toBe(false);
  });
});
