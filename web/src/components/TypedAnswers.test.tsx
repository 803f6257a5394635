import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { QuestionResponses } from '../api';
import { typedResponses } from '../test/fixtures';
import { answerKey } from '../hiddenAnswers';
import { TypedAnswers } from './TypedAnswers';

/** Seven answers: three spellings listed, one answer beyond them; the counts stay put whatever `extra` changes. */
const typed = (extra: Partial<QuestionResponses> = {}): QuestionResponses =>
  typedResponses({
    answer_count: 7,
    distinct_count: 3,
    responses: [
      { answer: 'Hello', count: 3, correct: true },
      { answer: 'helo', count: 2, correct: false },
      { answer: 'hallo', count: 1, correct: false },
    ],
    other_count: 1,
    ...extra,
  });

describe('TypedAnswers', () => {
  it('lists each spelling with its count, the most typed first', () => {
    render(<TypedAnswers responses={typed()} />);
    const list = screen.getByRole('region', { name: 'What the class typed' });
    const rows = within(list).getAllByTestId('typed-answer');
    expect(rows.map((row) => [row.dataset.count, row.dataset.correct])).toEqual([
      ['3', 'true'],
      ['2', 'false'],
      ['1', 'false'],
    ]);
    expect(rows[0]).toHaveTextContent('Hello (right)3 answers');
    expect(rows[1]).toHaveTextContent('helo (wrong)2 answers');
    expect(rows[2]).toHaveTextContent('hallo (wrong)1 answer');
  });

  it('marks right and wrong with a tick and a cross, said in words to screen readers', () => {
    render(<TypedAnswers responses={typed()} />);
    const [right, wrong] = screen.getAllByTestId('typed-answer');
    expect(right.querySelector('.bar-key')).toHaveTextContent('✓');
    expect(right.querySelector('.bar-key')).toHaveAttribute('aria-hidden', 'true');
    expect(within(right).getByText('(right)')).toHaveClass('visually-hidden');
    expect(wrong.querySelector('.bar-key')).toHaveTextContent('✗');
    expect(within(wrong).getByText('(wrong)')).toHaveClass('visually-hidden');
  });

  it('claims neither right nor wrong when the server did not say', () => {
    render(<TypedAnswers responses={typed({ responses: [{ answer: 'hi', count: 1, correct: null }], other_count: 0 })} />);
    const row = screen.getByTestId('typed-answer');
    expect(row).toHaveTextContent(/^hi1 answer$/);
    expect(row.querySelector('.bar-key')).toBeEmptyDOMElement();
  });

  it('sums the answers not listed in "and N more": the server\'s and those beyond the limit', () => {
    const { unmount } = render(<TypedAnswers responses={typed()} />);
    expect(screen.getByTestId('typed-more')).toHaveTextContent('and 1 more answer');
    unmount();
    render(<TypedAnswers responses={typed()} limit={1} />);
    expect(screen.getAllByTestId('typed-answer')).toHaveLength(1);
    expect(screen.getByTestId('typed-more')).toHaveTextContent('and 4 more answers');
  });

  it('says no "more" when every answer is listed', () => {
    render(<TypedAnswers responses={typed({ other_count: 0 })} />);
    expect(screen.queryByTestId('typed-more')).toBeNull();
  });

  it('shows a word as text, its direction isolated, whole on hover', () => {
    const word = '<b>שלום</b> and a very long answer that a phone would have to cut';
    render(<TypedAnswers responses={typed({ responses: [{ answer: word, count: 1, correct: false }] })} />);
    const label = screen.getByTestId('typed-answer').querySelector('.bar-label');
    expect(label?.querySelector('bdi')).toHaveTextContent(word);
    expect(label?.querySelector('b')).toBeNull();
    expect(label).toHaveAttribute('title', word);
  });

  it('shows nothing for a choice question or when nobody answered', () => {
    const { container, unmount } = render(<TypedAnswers responses={typed({ kind: 'choice' })} />);
    expect(container).toBeEmptyDOMElement();
    unmount();
    const empty = render(<TypedAnswers responses={typed({ responses: [], other_count: 0, answer_count: 0 })} />);
    expect(empty.container).toBeEmptyDOMElement();
  });
});

/** The host's list, its words hidden and shown as the teacher says (kept here, not stored). */
function HostList({
  responses = typed(),
  toggle = false,
  focusAfter,
}: {
  responses?: QuestionResponses;
  toggle?: boolean;
  focusAfter?: () => void;
}) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [shown, setShown] = useState(true);
  return (
    <TypedAnswers
      responses={responses}
      controls={{
        hidden,
        onHide: (answer) => setHidden((known) => new Set(known).add(answerKey(answer))),
        onRestore: () => setHidden(new Set()),
        focusAfter,
        ...(toggle ? { shown, onShownChange: setShown } : {}),
      }}
    />
  );
}

describe('TypedAnswers on the host screen', () => {
  it('hides a word the teacher does not want on the projector, its answers joining "and N more"', async () => {
    const user = userEvent.setup();
    render(<HostList />);
    expect(screen.getByTestId('typed-more')).toHaveTextContent('and 1 more answer');

    await user.click(screen.getByRole('button', { name: 'Hide "helo"' }));
    expect(screen.getAllByTestId('typed-answer').map((row) => row.dataset.count)).toEqual(['3', '1']);
    expect(screen.queryByText('helo')).toBeNull();
    expect(screen.getByTestId('typed-more')).toHaveTextContent('and 3 more answers');
  });

  it('hides a word whatever its case, and lists nothing hidden without the host', () => {
    const responses = typed({
      responses: [
        { answer: 'Hello', count: 3, correct: true },
        { answer: 'POOP', count: 1, correct: false },
      ],
      other_count: 0,
    });
    const { unmount } = render(
      <TypedAnswers responses={responses} controls={{ hidden: new Set([answerKey('poop ')]), onHide: () => {} }} />,
    );
    expect(screen.getAllByTestId('typed-answer')).toHaveLength(1);
    expect(screen.getByTestId('typed-more')).toHaveTextContent('and 1 more answer');
    unmount();
    // Without the host's controls (a list read elsewhere) there is no "Hide".
    render(<TypedAnswers responses={responses} />);
    expect(screen.queryByRole('button', { name: /^Hide/ })).toBeNull();
  });

  it('sends the focus where the host says after a "Hide", never to the next word\'s "Hide"', async () => {
    const user = userEvent.setup();
    const focusAfter = vi.fn(() => screen.getByRole('button', { name: 'Hide typed answers' }).focus());
    render(<HostList toggle focusAfter={focusAfter} />);
    screen.getByRole('button', { name: 'Hide "helo"' }).focus();
    await user.keyboard(' ');
    expect(focusAfter).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('button', { name: 'Hide typed answers' })).toHaveFocus();
    // Only the word pressed went: the next one is still listed.
    expect(screen.getAllByTestId('typed-answer').map((row) => row.dataset.count)).toEqual(['3', '1']);
    expect(screen.getByRole('button', { name: 'Hide "hallo"' })).not.toHaveFocus();
  });

  it('without a main action, leaves the focus on the list\'s title, not on a "Hide"', async () => {
    const user = userEvent.setup();
    render(<HostList />);
    await user.click(screen.getByRole('button', { name: 'Hide "helo"' }));
    expect(screen.getByRole('heading', { name: 'What the class typed' })).toHaveFocus();
    // Space there hides nothing more.
    await user.keyboard(' ');
    expect(screen.getAllByTestId('typed-answer')).toHaveLength(2);
  });

  it('offers "Show hidden (N)" once a word is hidden, putting every hidden word back', async () => {
    const user = userEvent.setup();
    render(<HostList toggle />);
    expect(screen.queryByTestId('typed-restore')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Hide "helo"' }));
    await user.click(screen.getByRole('button', { name: 'Hide "hallo"' }));
    const restore = screen.getByTestId('typed-restore');
    expect(restore).toHaveAccessibleName('Show hidden (2)');
    // In the title's line, not a row of the list.
    expect(restore.closest('.typed-head')).not.toBeNull();

    await user.click(restore);
    expect(screen.getAllByTestId('typed-answer').map((row) => row.dataset.count)).toEqual(['3', '2', '1']);
    expect(screen.queryByTestId('typed-restore')).toBeNull();
    expect(screen.getByRole('heading', { name: 'What the class typed' })).toHaveFocus();
  });

  it('says "All N answers hidden", not an empty list, once every listed word is hidden', async () => {
    const user = userEvent.setup();
    render(<HostList responses={typed({ other_count: 0, answer_count: 6 })} />);
    for (const word of ['Hello', 'helo', 'hallo']) {
      await user.click(screen.getByRole('button', { name: `Hide "${word}"` }));
    }
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.queryAllByTestId('typed-answer')).toHaveLength(0);
    expect(screen.getByTestId('typed-all-hidden')).toHaveTextContent('All 6 answers hidden');
    expect(screen.queryByTestId('typed-more')).toBeNull();
    expect(screen.getByTestId('typed-restore')).toHaveTextContent('Show hidden (3)');

    await user.click(screen.getByTestId('typed-restore'));
    expect(screen.getAllByTestId('typed-answer')).toHaveLength(3);
    expect(screen.queryByTestId('typed-all-hidden')).toBeNull();
  });

  it('draws the "Hide" buttons\' red for the keyboard\'s focus only, not a mouse click\'s', () => {
    const css = readFileSync(resolve(__dirname, '../styles.css'), 'utf8');
    const rules = css.match(/[^{}]*\.typed-hide[^{}]*\{/g) ?? [];
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule).not.toMatch(/\.typed-hide:focus(?!-visible)/);
  });

  it('folds the list away to a single "Show typed answers", and back', async () => {
    const user = userEvent.setup();
    render(<HostList toggle />);
    const toggle = screen.getByRole('button', { name: 'Hide typed answers' });
    await user.click(toggle);
    const section = screen.getByTestId('typed-answers');
    expect(within(section).queryAllByTestId('typed-answer')).toHaveLength(0);
    expect(within(section).queryByTestId('typed-more')).toBeNull();
    expect(within(section).queryByRole('heading')).toBeNull();
    expect(within(section).getAllByRole('button')).toEqual([toggle]);
    expect(toggle).toHaveAccessibleName('Show typed answers');
    expect(toggle).toHaveFocus();

    await user.click(toggle);
    expect(screen.getAllByTestId('typed-answer')).toHaveLength(3);
    expect(toggle).toHaveAccessibleName('Hide typed answers');
  });
});
