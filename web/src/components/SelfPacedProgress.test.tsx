import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, PlayerProgress, QuizDetail, SessionProgress } from '../api';
import { typedResponses, verbsQuiz } from '../test/fixtures';
import { SelfPacedProgress } from './SelfPacedProgress';

/** A player's progress in a quiz of three questions (whether they are here: not said, unless told). */
function player(
  name: string,
  reached: number,
  answered: number,
  correct: number,
  done = false,
  here: boolean | null = null,
): PlayerProgress {
  return {
    user_id: `u-${name}`,
    display_name: name,
    answered,
    correct,
    reached,
    done,
    score: correct * 1000,
    here,
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

const quiz: QuizDetail = verbsQuiz([
  { question_id: 'q1', prompt: "Choose the synonym of 'begin'", kind: 'choice' },
  { question_id: 'q2', prompt: "The opposite of 'buy'", kind: 'choice' },
  { question_id: 'q3', prompt: "Type the English word for 'bonjour'", kind: 'text' },
]);

const tableApi = { getQuiz: vi.fn(async () => quiz) } as unknown as ApiClient;

/** The players' table alone (no question list): the quiz is not asked for. */
function tableOf(progress: SessionProgress) {
  return (
    <SelfPacedProgress
      api={tableApi}
      quizId={null}
      answerCounts={{}}
      participants={progress.items.length}
      progress={progress}
    />
  );
}

function renderTable(progress: SessionProgress) {
  return render(tableOf(progress));
}

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
    // A label cut by its column reads whole on hover, number and all.
    expect(rows[2]).toHaveAttribute('title', "3. Type the English word for 'bonjour'");
    expect(rows[2].querySelector('.bar-label')).toHaveAttribute('title', "3. Type the English word for 'bonjour'");
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

  it('marks the players seen here who then closed the page before finishing, in words', () => {
    const here = [
      player('Ann', 3, 3, 3, true, true),
      player('Bo', 2, 1, 0, false, true),
      player('Cy', 1, 0, 0, false, null),
      player('Di', 2, 1, 1, false, true),
    ];
    const { rerender } = renderTable({ ...classProgress, items: here });
    expect(screen.queryByTestId('self-paced-left')).toBeNull();

    // A later read: Ann and Bo are gone, Di is still here.
    const items = [
      player('Ann', 3, 3, 3, true, false),
      player('Bo', 2, 1, 0, false, false),
      player('Cy', 1, 0, 0, false, null),
      player('Di', 2, 1, 1, false, true),
    ];
    rerender(tableOf({ ...classProgress, items }));

    const rows = screen.getAllByTestId('self-paced-student');
    const marked = (row: HTMLElement) => within(row).queryByTestId('self-paced-left');
    const byId = (id: string) => rows.find((row) => row.dataset.userId === id) as HTMLElement;
    // Bo left unfinished; Ann left once done, Di is here, the server cannot tell about Cy.
    expect(rows.filter(marked).map((row) => row.dataset.userId)).toEqual(['u-Bo']);
    expect(rows.map((row) => row.dataset.here)).toEqual(['', 'false', 'true', 'false']);
    expect(byId('u-Bo')).toHaveClass('is-left');
    const mark = marked(byId('u-Bo')) as HTMLElement;
    expect(mark.querySelector('[aria-hidden="true"]')).toHaveTextContent(/^left$/);
    expect(within(mark).getByText('Has closed the quiz page, at')).toHaveClass('visually-hidden');
    // Under "Question", before where Bo stopped: the name keeps its cell to itself.
    expect(within(byId('u-Bo')).getByRole('rowheader')).toHaveTextContent(/^Bo$/);
    expect(mark.closest('td')).toBe(byId('u-Bo').children[1]);
    expect(byId('u-Bo').children[1]).toHaveTextContent(/^leftHas closed the quiz page, at2 of 3$/);
    expect(screen.getByTestId('self-paced-left-count')).toHaveTextContent('· 1 closed the page');
  });

  it('does not mark a player this page never saw here (answering without a screen)', () => {
    const items = [player('Bo', 2, 1, 0, false, false), player('Di', 2, 1, 1, false, false)];
    const { rerender } = renderTable({ ...classProgress, done_count: 0, items });
    expect(screen.queryByTestId('self-paced-left')).toBeNull();
    expect(screen.queryByTestId('self-paced-left-count')).toBeNull();

    // Di opens a screen, then closes it: marked; Bo, never seen here, is not.
    rerender(tableOf({ ...classProgress, done_count: 0, items: [items[0], player('Di', 2, 1, 1, false, true)] }));
    expect(screen.queryByTestId('self-paced-left')).toBeNull();
    rerender(tableOf({ ...classProgress, done_count: 0, items }));
    const marked = screen.getAllByTestId('self-paced-left').map((mark) => mark.closest('tr')?.dataset.userId);
    expect(marked).toEqual(['u-Di']);
    expect(screen.getByTestId('self-paced-left-count')).toHaveTextContent('· 1 closed the page');
  });

  it('marks nobody, and counts nobody, when the server does not say who is here', () => {
    renderTable(classProgress);
    expect(screen.queryByTestId('self-paced-left')).toBeNull();
    expect(screen.queryByTestId('self-paced-left-count')).toBeNull();
    expect(screen.getByTestId('self-paced-progress')).toHaveTextContent(/^1 of 4 finished/);
  });
});

describe('SelfPacedProgress: what they typed', () => {
  /** The host's view of the quiz above, its leaderboard beside it. */
  function hostView(questionResponses = vi.fn(async (_session: string, _question: string) => typedResponses({ question_id: 'q3' }))) {
    const api = { getQuiz: vi.fn(async () => quiz), questionResponses } as unknown as ApiClient;
    const onHide = vi.fn();
    const view = (answerCounts: Record<string, number>) => (
      <SelfPacedProgress
        api={api}
        quizId="verbs"
        answerCounts={answerCounts}
        participants={4}
        progress={classProgress}
        sessionId="K7PQ2M"
        typedControls={{ hidden: new Set(), onHide }}
        aside={<section data-testid="leaderboard">Leaderboard</section>}
      />
    );
    const { rerender } = render(view({ q1: 3, q2: 2, q3: 1 }));
    return { questionResponses, onHide, rerender: (counts: Record<string, number>) => rerender(view(counts)) };
  }

  it('offers it on the typed questions only, and only to the host', async () => {
    const { unmount } = render(
      <SelfPacedProgress
        api={{ getQuiz: vi.fn(async () => quiz) } as unknown as ApiClient}
        quizId="verbs"
        answerCounts={{}}
        participants={4}
        aside={<section data-testid="leaderboard" />}
      />,
    );
    expect(await screen.findAllByTestId('self-paced-question')).toHaveLength(3);
    expect(screen.queryByTestId('self-paced-typed-toggle')).toBeNull();
    expect(screen.getByTestId('leaderboard')).toBeInTheDocument();
    unmount();

    hostView();
    const toggle = await screen.findByTestId('self-paced-typed-toggle');
    expect(screen.getAllByTestId('self-paced-typed-toggle')).toHaveLength(1);
    expect(toggle.closest('li')).toHaveTextContent("3. Type the English word for 'bonjour'");
    expect(toggle).toHaveAccessibleName('Typed answers: question 3');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
  });

  it("opens the question's typed answers in the leaderboard's place, with a Hide on each", async () => {
    const user = userEvent.setup();
    const { questionResponses, onHide } = hostView();
    const toggle = await screen.findByTestId('self-paced-typed-toggle');

    await user.click(toggle);
    const panel = screen.getByTestId('self-paced-typed');
    expect(screen.queryByTestId('leaderboard')).toBeNull();
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(toggle).toHaveAttribute('aria-controls', panel.id);
    expect(panel).toHaveAccessibleName('What they typed');
    expect(within(panel).getByTestId('self-paced-typed-question')).toHaveTextContent("3. Type the English word for 'bonjour'");
    const rows = await within(panel).findAllByTestId('typed-answer');
    expect(rows.map((row) => row.textContent)).toEqual([
      expect.stringContaining('Hello'),
      expect.stringContaining('helo'),
    ]);
    expect(within(panel).getByRole('heading', { level: 3 })).toHaveTextContent('4 answers so far');
    expect(questionResponses).toHaveBeenCalledWith('K7PQ2M', 'q3');

    await user.click(within(panel).getByRole('button', { name: 'Hide "helo"' }));
    expect(onHide).toHaveBeenCalledWith('helo');
  });

  it('reads them again when the question gets a new answer', async () => {
    const user = userEvent.setup();
    const { questionResponses, rerender } = hostView();
    await user.click(await screen.findByTestId('self-paced-typed-toggle'));
    await screen.findAllByTestId('typed-answer');
    expect(questionResponses).toHaveBeenCalledTimes(1);

    rerender({ q1: 3, q2: 2, q3: 2 });
    await waitFor(() => expect(questionResponses).toHaveBeenCalledTimes(2));
  });

  it('goes back to the leaderboard on Close, Escape or the toggle, the focus on the toggle', async () => {
    const user = userEvent.setup();
    hostView();
    const toggle = await screen.findByTestId('self-paced-typed-toggle');

    await user.click(toggle);
    await user.click(screen.getByTestId('self-paced-typed-close'));
    expect(screen.queryByTestId('self-paced-typed')).toBeNull();
    expect(screen.getByTestId('leaderboard')).toBeInTheDocument();
    expect(toggle).toHaveFocus();
    expect(toggle).toHaveAttribute('aria-expanded', 'false');

    await user.keyboard('{Enter}');
    expect(screen.getByTestId('self-paced-typed')).toBeInTheDocument();
    await user.tab();
    expect(screen.getByTestId('self-paced-typed-close')).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('self-paced-typed')).toBeNull();
    expect(toggle).toHaveFocus();

    await user.keyboard('{Enter}');
    await user.keyboard('{Enter}');
    expect(screen.queryByTestId('self-paced-typed')).toBeNull();
    expect(screen.getByTestId('leaderboard')).toBeInTheDocument();
  });

  it('says when nobody answered yet, or when the answers cannot be read', async () => {
    const user = userEvent.setup();
    const questionResponses = vi
      .fn(async (_session: string, _question: string) => typedResponses({ question_id: 'q3', responses: [] }))
      .mockRejectedValueOnce(new Error('offline'))
      .mockRejectedValueOnce(new Error('offline'));
    hostView(questionResponses);
    await user.click(await screen.findByTestId('self-paced-typed-toggle'));

    const status = screen.getByTestId('self-paced-typed-status');
    expect(status).toHaveTextContent('Reading what they typed…');
    await waitFor(() => expect(status).toHaveTextContent('What they typed could not be read.'), { timeout: 3000 });

    await user.click(screen.getByTestId('self-paced-typed-close'));
    await user.click(screen.getByTestId('self-paced-typed-toggle'));
    expect(await screen.findByText('Nobody has answered it yet.')).toBeInTheDocument();
    expect(screen.queryByTestId('typed-answers')).toBeNull();
  });

  it('shows nothing of a question the server says is a choice', async () => {
    const user = userEvent.setup();
    hostView(vi.fn(async () => typedResponses({ question_id: 'q3', kind: 'choice' })));
    await user.click(await screen.findByTestId('self-paced-typed-toggle'));

    const panel = screen.getByTestId('self-paced-typed');
    await waitFor(() => expect(within(panel).queryByTestId('self-paced-typed-status')).toBeNull());
    expect(within(panel).queryByTestId('typed-answers')).toBeNull();
  });
});
