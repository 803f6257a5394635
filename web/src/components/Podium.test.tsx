import { cleanup, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../api';
import { Podium } from './Podium';

function row(user: string, score: number, rank: number): ResultRow {
  return { rank, user_id: user, display_name: user, score, correct_count: null };
}

describe('Podium', () => {
  it('puts tied players on one step with the same rank', () => {
    render(<Podium standings={[row('ana', 900, 1), row('ben', 700, 2), row('cai', 700, 2), row('dan', 500, 4)]} />);
    const steps = screen.getAllByTestId('podium-step');
    expect(steps.map((step) => step.dataset.rank)).toEqual(['1', '2']);
    const silver = within(steps[1]).getAllByTestId('podium-place');
    expect(silver.map((place) => place.dataset.userId)).toEqual(['ben', 'cai']);
    expect(silver.every((place) => place.dataset.rank === '2')).toBe(true);
    expect(screen.queryByText('dan')).toBeNull();
    expect(steps[1]).toHaveTextContent('2nd place');
  });

  it('isolates a right-to-left name from the score under it', () => {
    render(<Podium standings={[row('שרה כהן', 900, 1)]} />);
    const name = screen.getByText('שרה כהן');
    expect(name).toHaveClass('podium-name');
    expect(name).toHaveAttribute('dir', 'auto');
  });

  it('says "1 point" for one point, and "0 points" for a lone player with none', () => {
    render(<Podium standings={[row('ana', 1, 1), row('ben', 0, 2)]} />);
    const [ana, ben] = screen.getAllByTestId('podium-place');
    expect(ana).toHaveTextContent(/^ana1 point1st place$/);
    expect(ben).toHaveTextContent(/^ben0 points2nd place$/);
  });

  it('shows three names of a tie on its step and the rest as "and N more", keeping the podium low', () => {
    const tied = Array.from({ length: 9 }, (_, index) => row(`p${index + 1}`, 0, 1));
    render(<Podium standings={tied} size="stage" />);
    const step = screen.getByTestId('podium-step');
    expect(within(step).getAllByTestId('podium-place').map((place) => place.dataset.userId)).toEqual([
      'p1',
      'p2',
      'p3',
    ]);
    expect(screen.getByTestId('podium-more')).toHaveTextContent(/^and 6 more in 1st place$/);
    expect(within(screen.getByTestId('podium-more')).getByText(/in 1st place/)).toHaveClass('visually-hidden');
  });

  it("keeps the phone's own player in sight on a crowded step", () => {
    const tied = Array.from({ length: 5 }, (_, index) => row(`p${index + 1}`, 700, 1));
    render(<Podium standings={tied} myUserId="p5" />);
    const places = screen.getAllByTestId('podium-place');
    expect(places.map((place) => place.dataset.userId)).toEqual(['p1', 'p2', 'p5']);
    expect(places[2]).toHaveClass('is-me');
    expect(screen.getByTestId('podium-more')).toHaveTextContent(/^and 2 more/);
  });

  it('shows no "more" for a tie of three', () => {
    render(<Podium standings={[row('a', 5, 1), row('b', 5, 1), row('c', 5, 1), row('d', 1, 4)]} />);
    expect(screen.getAllByTestId('podium-place')).toHaveLength(3);
    expect(screen.queryByTestId('podium-more')).toBeNull();
  });

  it('says "and others" on a phone whose cut list ends in the tie, never a number it cannot know', () => {
    // The top ten of 27, 21 of them tied at 1st: the tie goes on past the list.
    const topTen = Array.from({ length: 10 }, (_, index) => row(`p${index + 1}`, 900, 1));
    render(<Podium standings={topTen} total={27} />);
    expect(screen.getByTestId('podium-more')).toHaveTextContent(/^and others in 1st place$/);
    cleanup();

    // The whole list (the host's): the exact number.
    const all = Array.from({ length: 21 }, (_, index) => row(`p${index + 1}`, 900, 1));
    render(<Podium standings={all} size="stage" />);
    expect(screen.getByTestId('podium-more')).toHaveTextContent(/^and 18 more in 1st place$/);
    cleanup();

    // Cut, but the podium ends inside the list: its numbers are exact.
    render(<Podium standings={[...topTen.slice(0, 5), row('x', 100, 6), row('y', 50, 7)]} total={27} />);
    expect(screen.getByTestId('podium-more')).toHaveTextContent(/^and 2 more/);
  });
});
