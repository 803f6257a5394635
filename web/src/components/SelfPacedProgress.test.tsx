import { act, render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, PlayerProgress, QuizDetail, SessionProgress } from '../api';
import { SelfPacedProgress } from './SelfPacedProgress';

/** A player's progress in a quiz of three questions. */
function player(name: string, reached: number, answered: number, correct: number, done = false): PlayerProgress {
  return {
    user_id: `u-${name}`,
    display_name: name,
    answered,
    correct,
    reached,
    done,
    score: correct * 1000,
  };
}

/** Ann finished (her last question timed out), Bo is on question 2, Cy not started, Di on 3. */
const classProgress: SessionProgress = {
  session_id: 'K7PQ2M',
  question_count: 3,
  done_count: 1,
  items: [
    player('Ann', 3, 2, 2, true),
    player('Bo', 2, 1, 0),
    player('Cy', 0, 0, 0),
    player('Di', 3, 2, 1),
  ],
};

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

  it('says how many finished and where each player is, those still working first', async () => {
    render(
      <SelfPacedProgress
        api={{ getQuiz: vi.fn(async () => quiz) } as unknown as ApiClient}
        quizId="verbs"
        // Ann's last question timed out: she never answered it.
        answerCounts={{ q1: 3, q2: 2, q3: 1 }}
        participants={4}
        progress={classProgress}
      />,
    );

    expect(screen.getByTestId('self-paced-progress')).toHaveTextContent('1 of 4 finished');
    expect(screen.getByTestId('self-paced-done')).toHaveTextContent('1');
    const rows = screen.getAllByTestId('self-paced-student');
    expect(rows.map((row) => row.dataset.userId)).toEqual(['u-Cy', 'u-Bo', 'u-Di', 'u-Ann']);
    // Name, question, correct of answered, score.
    expect(rows.map((row) => Array.from(row.children, (cell) => cell.textContent))).toEqual([
      ['Cy', 'Not started', '–no answers yet', '0'],
      ['Bo', '2 of 3', '0 of 1', '0'],
      ['Di', '3 of 3', '1 of 2', '1000'],
      ['Ann', 'Finished', '2 of 2', '2000'],
    ]);
    expect(rows[3].dataset.done).toBe('true');
    // Before a first answer, a dash (not "0 of 0"), said in words.
    const none = rows[0].children[2];
    expect(none.querySelector('[aria-hidden="true"]')).toHaveTextContent(/^–$/);
    expect(within(none as HTMLElement).getByText('no answers yet')).toHaveClass('visually-hidden');
    // The bars stay.
    expect(await screen.findAllByTestId('self-paced-question')).toHaveLength(3);
  });

  it('packs the rows of a class larger than twelve tighter', () => {
    const api = { getQuiz: vi.fn(async () => quiz) } as unknown as ApiClient;
    const { unmount } = render(
      <SelfPacedProgress api={api} quizId={null} answerCounts={{}} participants={4} progress={classProgress} />,
    );
    expect(screen.getByRole('table')).toHaveClass('progress-table', 'progress-table-roomy');
    unmount();
    const items = Array.from({ length: 30 }, (_, index) => player(`Student ${index + 1}`, 1, 0, 0));
    render(
      <SelfPacedProgress
        api={api}
        quizId={null}
        answerCounts={{}}
        participants={30}
        progress={{ ...classProgress, done_count: 0, items }}
      />,
    );
    expect(screen.getByRole('table')).toHaveClass('progress-table-dense');
  });

  it("shows the players' table even when the quiz cannot be read", async () => {
    const getQuiz = vi.fn(async () => {
      throw new Error('offline');
    });
    render(
      <SelfPacedProgress
        api={{ getQuiz } as unknown as ApiClient}
        quizId="verbs"
        answerCounts={{}}
        participants={4}
        progress={classProgress}
      />,
    );

    await vi.waitFor(() => expect(getQuiz).toHaveBeenCalled());
    await act(async () => {});
    expect(screen.getAllByTestId('self-paced-student')).toHaveLength(4);
    expect(screen.queryByTestId('self-paced-question')).toBeNull();
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
