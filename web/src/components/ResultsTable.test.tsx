import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { QuestionResponses, QuestionStats, SessionResults } from '../api';
import { typedResponses } from '../test/fixtures';
import { ResultsTable } from './ResultsTable';

const LONG = 'Bartholomew Featherstonehaugh-Smythe III';

const results: SessionResults = {
  session_id: 'K7PQ2M',
  title: 'Everyday verbs',
  standings: [{ rank: 1, user_id: 'u-bart', display_name: LONG, score: 950, correct_count: 1 }],
  questions: [],
};

/** "begin", a choice question played: one of its two answers right. */
const question = (extra: Partial<QuestionStats>): QuestionStats => ({
  question_id: 'q1',
  index: 0,
  prompt: 'begin',
  correct_answer: 'start',
  answer_count: 2,
  correct_count: 1,
  correct_share: 0.5,
  choice_counts: { start: 1, finish: 1 },
  played: true,
  ...extra,
});

describe('ResultsTable', () => {
  // How the name wraps and is cut is CSS (.results-name), checked in Chromium:
  // jsdom lays nothing out. What a cut name still offers is checked here.
  it('keeps a name the cell may cut readable in full', () => {
    render(<ResultsTable results={results} />);
    const name = within(screen.getByTestId('results-row')).getByRole('rowheader');
    expect(name).toHaveClass('results-name');
    expect(name).toHaveTextContent(LONG);
    expect(name).toHaveAttribute('title', LONG);
  });

  it('labels each question\'s numbers, for a narrow phone that stacks them under the question', () => {
    render(<ResultsTable results={{ ...results, questions: [question({ choice_counts: null })] }} />);
    expect(screen.getByTestId('results-questions')).toHaveClass('results-questions');
    const cells = within(screen.getByTestId('results-question')).getAllByRole('cell');
    expect(cells.map((cell) => cell.dataset.label ?? null)).toEqual([null, null, 'Answers', 'Correct']);
  });

  it('cuts a right-to-left name at its own end, its beginning in sight', () => {
    render(
      <ResultsTable
        results={{ ...results, standings: [{ ...results.standings[0], display_name: 'محمد عبد الله 2' }] }}
      />,
    );
    const name = within(screen.getByTestId('results-row')).getByRole('rowheader');
    // The cell that cuts it takes the name's direction (Chromium puts the
    // ellipsis at the end of that direction); a <bdi> inside would hide the
    // name from `dir="auto"` and leave the cell left-to-right.
    expect(name).toHaveAttribute('dir', 'auto');
    expect(name).toHaveTextContent(/^محمد عبد الله 2$/);
    expect(name.querySelector('bdi')).toBeNull();
  });

  const classOf = (size: number): SessionResults => ({
    ...results,
    standings: Array.from({ length: size }, (_, index) => ({
      rank: index + 1,
      user_id: `u-${index + 1}`,
      display_name: `Player ${index + 1}`,
      score: 1000 * (size - index),
      correct_count: size - index,
    })),
  });
  const ranksShown = () => screen.getAllByTestId('results-row').map((row) => row.dataset.rank);

  it("lists a phone the top ten and its own row, not the bottom of the class", () => {
    render(<ResultsTable results={classOf(30)} myUserId="u-27" />);
    expect(ranksShown()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '27']);
    expect(screen.getAllByTestId('results-row').at(-1)).toHaveClass('is-me', 'is-below');
    expect(screen.getByTestId('results-more')).toHaveTextContent(/^19 other players not shown$/);
    expect(screen.queryByTestId('results-show-all')).toBeNull();
  });

  it("lists a phone's own row from `me` when the server sent the top ten only", () => {
    const whole = classOf(3000);
    const cut: SessionResults = {
      ...whole,
      standings: whole.standings.slice(0, 10),
      me: whole.standings[2706],
      participant_count: 3000,
    };
    render(<ResultsTable results={cut} myUserId="u-2707" />);
    expect(ranksShown()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '2707']);
    expect(screen.getAllByTestId('results-row').at(-1)).toHaveClass('is-me', 'is-below');
    expect(screen.getByTestId('results-more')).toHaveTextContent(/^2989 other players not shown$/);
  });

  it('lets the host show every player', async () => {
    render(<ResultsTable results={classOf(12)} host />);
    expect(ranksShown()).toHaveLength(10);
    await userEvent.click(screen.getByTestId('results-show-all'));
    expect(ranksShown()).toHaveLength(12);
    expect(screen.queryByTestId('results-more')).toBeNull();
    // The button went: the focus is on the first row it showed, not the page.
    const eleventh = screen.getAllByTestId('results-row')[10];
    expect(eleventh).toHaveFocus();
    expect(eleventh).toHaveAttribute('tabindex', '-1');
  });

  it("shows the phone's own row whole with a visible \"(you)\", and its answer's verdict with its points", () => {
    render(<ResultsTable results={classOf(30)} myUserId="u-27" />);
    const mine = screen.getAllByTestId('results-row').at(-1)!;
    const name = within(mine).getByRole('rowheader');
    expect(name).toHaveClass('is-mine');
    expect(within(name).getByText('(you)')).not.toHaveClass('visually-hidden');
    expect(screen.getAllByTestId('results-row')[0].querySelector('.results-you')).toBeNull();
  });

  it('lists a small class whole', () => {
    render(<ResultsTable results={classOf(10)} myUserId="u-4" />);
    expect(ranksShown()).toHaveLength(10);
    expect(screen.queryByTestId('results-more')).toBeNull();
  });

  describe('what they typed', () => {
    const withQuestions: SessionResults = {
      ...results,
      questions: [
        question({}),
        question({ question_id: 'q2', index: 1, prompt: 'bonjour', correct_answer: 'hello', choice_counts: null }),
        question({ question_id: 'q3', index: 2, prompt: 'dormir', choice_counts: null, answer_count: 0 }),
        question({ question_id: 'q4', index: 3, prompt: 'eat', choice_counts: null, played: false }),
      ],
    };
    const typed = typedResponses({
      responses: [
        { answer: 'hello', count: 1, correct: true },
        { answer: 'helo', count: 1, correct: false },
      ],
    });

    it('is offered on an answered typed question, and lists the words when opened', async () => {
      const user = userEvent.setup();
      const loadResponses = vi.fn(async (_question: string) => typed);
      render(<ResultsTable results={withQuestions} host loadResponses={loadResponses} />);
      const toggles = screen.getAllByTestId('results-typed-toggle');
      expect(toggles).toHaveLength(1);
      const [toggle] = toggles;
      expect(screen.getAllByTestId('results-question')[1]).toContainElement(toggle);
      expect(toggle).toHaveAttribute('aria-expanded', 'false');

      await user.click(toggle);
      expect(toggle).toHaveAttribute('aria-expanded', 'true');
      const list = await screen.findByRole('region', { name: 'What they typed' });
      expect(loadResponses).toHaveBeenCalledWith('q2');
      expect(within(list).getAllByTestId('typed-answer')).toHaveLength(2);
      expect(document.getElementById(toggle.getAttribute('aria-controls') ?? '')).toContainElement(list);

      await user.click(toggle);
      expect(screen.queryByTestId('typed-answers')).toBeNull();
    });

    it('names each toggle after its question, the rest of its name for screen readers', async () => {
      const twoTyped: SessionResults = {
        ...withQuestions,
        questions: [
          withQuestions.questions[1],
          question({ question_id: 'q5', index: 4, prompt: 'manger', correct_answer: 'eat', choice_counts: null }),
        ],
      };
      render(<ResultsTable results={twoTyped} host loadResponses={vi.fn(async () => typed)} />);
      const toggles = screen.getAllByTestId('results-typed-toggle');
      expect(toggles.map((toggle) => toggle.textContent)).toEqual([
        'What they typed: question 2',
        'What they typed: question 5',
      ]);
      expect(screen.getByRole('button', { name: 'What they typed: question 2' })).toBe(toggles[0]);
      expect(toggles[1]).toHaveAccessibleName('What they typed: question 5');
      expect(within(toggles[1]).getByText(': question 5')).toHaveClass('visually-hidden');
    });

    it("leaves out the words the host hid from the projector, with a \"Hide\" on the others", async () => {
      const user = userEvent.setup();
      const onHide = vi.fn();
      render(
        <ResultsTable
          results={withQuestions}
          host
          loadResponses={vi.fn(async () => typed)}
          typedControls={{ hidden: new Set(['helo']), onHide }}
        />,
      );
      await user.click(screen.getByTestId('results-typed-toggle'));
      const list = await screen.findByRole('region', { name: 'What they typed' });
      expect(within(list).getAllByTestId('typed-answer')).toHaveLength(1);
      expect(within(list).getByTestId('typed-more')).toHaveTextContent('and 1 more answer');
      await user.click(within(list).getByRole('button', { name: 'Hide "hello"' }));
      expect(onHide).toHaveBeenCalledWith('hello');
      // The results' own toggle stays: no "Hide typed answers" here.
      expect(within(list).queryByTestId('typed-answers-toggle')).toBeNull();
    });

    it('says so when the words cannot be read', async () => {
      const user = userEvent.setup();
      const loadResponses = vi.fn(async (_question: string): Promise<QuestionResponses> => {
        throw new TypeError('Failed to fetch');
      });
      render(<ResultsTable results={withQuestions} host loadResponses={loadResponses} />);
      await user.click(screen.getByTestId('results-typed-toggle'));
      expect(await screen.findByText('What they typed could not be read.')).toBeInTheDocument();
    });

    it('is not offered without a way to read them (a player\'s results)', () => {
      render(<ResultsTable results={withQuestions} />);
      expect(screen.queryByTestId('results-typed-toggle')).toBeNull();
    });
  });

  describe("a player's own answers", () => {
    const mine: SessionResults = {
      ...results,
      questions: [
        question({}),
        question({ question_id: 'q2', index: 1, prompt: 'bonjour', correct_answer: 'hello', choice_counts: null }),
        question({ question_id: 'q3', index: 2, prompt: 'dormir', correct_answer: 'sleep', choice_counts: null }),
        question({ question_id: 'q4', index: 3, prompt: 'eat', choice_counts: null, played: false }),
      ],
      my_answers: {
        q1: { answer: 'start', correct: true, points: 950 },
        q2: { answer: 'helo', correct: false, points: 0 },
      },
    };

    it('adds "Your answer" to each played question: the answer, right or wrong in a word, its points', () => {
      render(<ResultsTable results={mine} myUserId="u-bart" />);
      const table = screen.getByTestId('results-questions');
      expect(within(table).getByRole('columnheader', { name: 'Your answer' })).toBeInTheDocument();
      const cells = screen.getAllByTestId('results-my-answer');
      expect(cells.map((cell) => cell.textContent)).toEqual([
        'start ✓ right · 950 points',
        'helo ✗ wrong · 0 points',
        'no answer',
      ]);
      expect(cells.map((cell) => cell.dataset.correct)).toEqual(['true', 'false', '']);
      // Said in a word, the mark and dot left to the eye.
      expect(within(cells[1]).getByText('✗', { exact: false })).toHaveAttribute('aria-hidden', 'true');
      // Labelled for a narrow phone, which stacks the cells without the head row.
      expect(cells[0]).toHaveAttribute('data-label', 'Your answer');
      expect(within(cells[0]).getByText('start')).toHaveAttribute('dir', 'auto');
      // A question never played spans the three columns.
      const notPlayed = screen.getAllByTestId('results-question')[3];
      expect(within(notPlayed).getByText('not played')).toHaveAttribute('colspan', '3');
    });

    it('says "no answer" everywhere to a player who answered nothing', () => {
      render(<ResultsTable results={{ ...mine, my_answers: {} }} />);
      expect(screen.getAllByTestId('results-my-answer').map((cell) => cell.textContent)).toEqual([
        'no answer',
        'no answer',
        'no answer',
      ]);
    });

    it('is not there from a server that does not send them, nor on the host\'s results', () => {
      const { unmount } = render(<ResultsTable results={{ ...mine, my_answers: null }} />);
      expect(screen.queryByRole('columnheader', { name: 'Your answer' })).toBeNull();
      expect(screen.queryByTestId('results-my-answer')).toBeNull();
      expect(within(screen.getAllByTestId('results-question')[3]).getByText('not played')).toHaveAttribute(
        'colspan',
        '2',
      );
      unmount();
      render(<ResultsTable results={mine} host />);
      expect(screen.queryByTestId('results-my-answer')).toBeNull();
    });
  });
});
