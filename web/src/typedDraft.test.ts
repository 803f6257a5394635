import { describe, expect, it } from 'vitest';
import { recallTypedDraft, rememberTypedDraft } from './typedDraft';

describe('typedDraft', () => {
  it('keeps the text typed for a question per session and user in sessionStorage', () => {
    rememberTypedDraft('K7PQ2M', 'u-ann', 'q2', 'hel');
    expect(recallTypedDraft('K7PQ2M', 'u-ann', 'q2')).toBe('hel');
    expect(JSON.parse(sessionStorage.getItem('quizcore.typedDraft.K7PQ2M.u-ann') ?? 'null')).toEqual({
      question_id: 'q2',
      text: 'hel',
    });
    expect(recallTypedDraft('K7PQ2M', 'u-ann', 'q1')).toBeNull();
    expect(recallTypedDraft('K7PQ2M', 'u-bo', 'q2')).toBeNull();
    expect(recallTypedDraft('OTHER1', 'u-ann', 'q2')).toBeNull();
  });

  it("forgets it when emptied or done, but not another question's", () => {
    rememberTypedDraft('K7PQ2M', 'u-ann', 'q2', 'hel');
    rememberTypedDraft('K7PQ2M', 'u-ann', 'q1', null);
    expect(recallTypedDraft('K7PQ2M', 'u-ann', 'q2')).toBe('hel');
    rememberTypedDraft('K7PQ2M', 'u-ann', 'q2', '   ');
    expect(recallTypedDraft('K7PQ2M', 'u-ann', 'q2')).toBeNull();
    rememberTypedDraft('K7PQ2M', 'u-ann', 'q3', 'bye');
    rememberTypedDraft('K7PQ2M', 'u-ann', 'q3', null);
    expect(sessionStorage.getItem('quizcore.typedDraft.K7PQ2M.u-ann')).toBeNull();
  });

  it('survives garbled or blocked storage', () => {
    sessionStorage.setItem('quizcore.typedDraft.K7PQ2M.u-ann', '{not json');
    expect(recallTypedDraft('K7PQ2M', 'u-ann', 'q1')).toBeNull();
    const blocked = {
      getItem: () => {
        throw new Error('blocked');
      },
      setItem: () => {
        throw new Error('blocked');
      },
      removeItem: () => {
        throw new Error('blocked');
      },
    };
    expect(() => rememberTypedDraft('K7PQ2M', 'u-ann', 'q1', 'hi', blocked)).not.toThrow();
    expect(() => rememberTypedDraft('K7PQ2M', 'u-ann', 'q1', null, blocked)).not.toThrow();
    expect(recallTypedDraft('K7PQ2M', 'u-ann', 'q1', blocked)).toBeNull();
  });
});
