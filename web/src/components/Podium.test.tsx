import { render, screen, within } from '@testing-library/react';
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
});
