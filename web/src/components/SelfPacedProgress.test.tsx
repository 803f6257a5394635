import { act, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, QuizDetail } from '../api';
import { SelfPacedProgress } from './SelfPacedProgress';

const quiz: QuizDetail = {
  quiz_id: 'verbs',
  title: 'Everyday verbs',
  language: 'en',
  level: 'A2',
  question_count: 3,
  questions: [
    { question_id: 'q1', prompt: "Choose the synonym of 'begin'", kind: 'choice' },
    { question_id: 'q2', prompt: "The opposite of 'buy'", kind: 'choice' },
    { question_id: 'q3', prompt: "Type the English word for 'bonjour'", kind: 'text' },
  ],
};

describe('SelfPacedProgress', () => {
  it("shows each question's answers so far and how many reached the last", async () => {
    const getQuiz = vi.fn(async () => quiz);
    render(
      <SelfPacedProgress
        api={{ getQuiz } as unknown as ApiClient}
        quizId="verbs"
        answerCounts={{ q1: 30, q2: 21, q3: 12 }}
        participants={30}
      />,
    );

    const rows = await screen.findAllByTestId('self-paced-question');
    expect(rows.map((row) => row.dataset.count)).toEqual(['30', '21', '12']);
    expect(rows[1]).toHaveTextContent("2. The opposite of 'buy'");
    expect(screen.getByTestId('self-paced-done')).toHaveTextContent('12');
    expect(screen.getByTestId('self-paced-progress')).toHaveTextContent('12 of 30 players have answered the last question');
    expect(getQuiz).toHaveBeenCalledWith('verbs');
  });

  it('shows nothing when the quiz cannot be read', async () => {
    const getQuiz = vi.fn(async () => {
      throw new Error('offline');
    });
    render(
      <SelfPacedProgress
        api={{ getQuiz } as unknown as ApiClient}
        quizId="verbs"
        answerCounts={{}}
        participants={3}
      />,
    );

    await vi.waitFor(() => expect(getQuiz).toHaveBeenCalled());
    // Let the refusal be handled before looking.
    await act(async () => {});
    expect(screen.queryByTestId('self-paced-progress')).toBeNull();
  });
});
