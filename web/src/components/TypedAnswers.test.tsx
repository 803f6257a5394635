import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { QuestionResponses } from '../api';
import { typedResponses } from '../test/fixtures';
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
