import { describe, expect, it } from 'vitest';
import { HOSTED_KEPT, HostedSessions } from './hosted';

describe('HostedSessions', () => {
  it('keeps the latest sessions first, each once, a few at most', () => {
    const hosted = new HostedSessions(localStorage);
    for (let index = 0; index < HOSTED_KEPT + 2; index += 1) hosted.remember(`CODE0${index}`);
    hosted.remember('CODE03');

    expect(new HostedSessions(localStorage).list()).toEqual(['CODE03', 'CODE06', 'CODE05', 'CODE04', 'CODE02']);
    expect(hosted.has('CODE00')).toBe(false);
  });

  it('forgets a session', () => {
    const hosted = new HostedSessions(localStorage);
    hosted.remember('K7PQ2M');
    hosted.remember('X9RT4M');
    hosted.forget('K7PQ2M');

    expect(hosted.list()).toEqual(['X9RT4M']);
  });

  it('reads garbled storage as nothing hosted', () => {
    localStorage.setItem('quizcore.hosted', '{not json');
    expect(new HostedSessions(localStorage).list()).toEqual([]);
    localStorage.setItem('quizcore.hosted', JSON.stringify(['K7PQ2M', 7, null]));
    expect(new HostedSessions(localStorage).list()).toEqual(['K7PQ2M']);
  });

  it('keeps the list for the page when there is no storage', () => {
    const hosted = new HostedSessions(null);
    hosted.remember('K7PQ2M');

    expect(hosted.list()).toEqual(['K7PQ2M']);
    expect(new HostedSessions(null).list()).toEqual([]);
  });
});
