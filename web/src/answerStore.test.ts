import { describe, expect, it } from 'vitest';
import { recallSubmission, rememberSubmission } from './answerStore';

describe('answerStore', () => {
  it('remembers question_id → submission_id per session and user in sessionStorage', () => {
    rememberSubmission('K7PQ2M', 'u-ann', 'q1', { submission_id: 's1', answer: 'start' });
    rememberSubmission('K7PQ2M', 'u-ann', 'q2', { submission_id: 's2', answer: 'hello' });
    expect(recallSubmission('K7PQ2M', 'u-ann', 'q1')).toEqual({ submission_id: 's1', answer: 'start' });
    expect(recallSubmission('K7PQ2M', 'u-bo', 'q1')).toBeNull();
    expect(recallSubmission('OTHER1', 'u-ann', 'q1')).toBeNull();
    rememberSubmission('K7PQ2M', 'u-ann', 'q1', null);
    expect(recallSubmission('K7PQ2M', 'u-ann', 'q1')).toBeNull();
    expect(recallSubmission('K7PQ2M', 'u-ann', 'q2')?.submission_id).toBe('s2');
  });

  it('reads a plain id and survives broken or blocked storage', () => {
    sessionStorage.setItem('quizcore.answers.K7PQ2M.u-ann', JSON.stringify({ q1: 's1' }));
    expect(recallSubmission('K7PQ2M', 'u-ann', 'q1')).toEqual({ submission_id: 's1', answer: null });
    sessionStorage.setItem('quizcore.answers.K7PQ2M.u-ann', '{not json');
    expect(recallSubmission('K7PQ2M', 'u-ann', 'q1')).toBeNull();
    const blocked = {
      getItem: () => {
        throw new Error('blocked');
      },
      setItem: () => {
        throw new Error('blocked');
      },
    };
    expect(() => rememberSubmission('K7PQ2M', 'u-ann', 'q1', { submission_id: 's', answer: null }, blocked)).not.toThrow();
    expect(recallSubmission('K7PQ2M', 'u-ann', 'q1', blocked)).toBeNull();
  });
});
