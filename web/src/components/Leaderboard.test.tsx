import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { LeaderboardEntry } from '../api';
import { Leaderboard } from './Leaderboard';

function entries(count: number): LeaderboardEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    rank: index + 1,
    user_id: `u${index + 1}`,
    display_name: `Player ${index + 1}`,
    score: 1000 * (count - index),
  }));
}

describe('Leaderboard', () => {
  it('renders one row per entry with its user id, score and rank', () => {
    render(<Leaderboard entries={entries(3)} />);
    const rows = screen.getAllByTestId('leaderboard-row');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveAttribute('data-user-id', 'u1');
    expect(rows[0]).toHaveAttribute('data-score', '3000');
    expect(rows[0]).toHaveAttribute('data-rank', '1');
    expect(rows[0]).toHaveTextContent('Player 1');
  });

  it('shows the top ten and the viewer below when outside it', () => {
    render(
      <Leaderboard
        entries={entries(12)}
        me={{ rank: 12, score: 1000 }}
        myUserId="u12"
        myName="Player 12"
      />,
    );
    expect(screen.getAllByTestId('leaderboard-row')).toHaveLength(10);
    const mine = screen.getByTestId('leaderboard-me-row');
    expect(mine).toHaveAttribute('data-rank', '12');
    expect(mine).toHaveTextContent('Player 12');
  });

  it('cuts a long name of the viewer\'s own row, never "(you)" or the score', () => {
    render(
      <Leaderboard
        entries={entries(12)}
        me={{ rank: 12, score: 1000 }}
        myUserId="u12"
        myName="Tiny 🐣 Tomás Rodríguez"
      />,
    );
    const mine = screen.getByTestId('leaderboard-me-row');
    // The name alone in the part that ellipsizes; "(you)" beside it, kept whole.
    expect(mine.querySelector('.name-base')).toHaveTextContent(/^Tiny 🐣 Tomás Rodríguez$/);
    const you = screen.getByText('(you)');
    expect(you).toHaveClass('lb-you');
    expect(mine.querySelector('.name-base')).not.toContainElement(you);
  });

  it('says "(you)" visibly on the viewer\'s row inside the top ten too', () => {
    render(<Leaderboard entries={entries(5)} me={{ rank: 3, score: 3000 }} myUserId="u3" myName="Player 3" />);
    const mine = screen.getAllByTestId('leaderboard-row')[2];
    expect(mine).toHaveAttribute('aria-current', 'true');
    expect(mine).toHaveTextContent(/^3Player 3 \(you\)3\s?000$/);
    const you = screen.getByText('(you)');
    expect(you).toHaveClass('lb-you');
    expect(you).not.toHaveClass('visually-hidden');
    expect(mine.querySelector('.name-base')).not.toContainElement(you);
  });

  it('isolates a right-to-left name, so its number and the score stay in place', () => {
    render(<Leaderboard entries={[{ rank: 1, user_id: 'u1', display_name: 'محمد 2', score: 950 }]} />);
    const row = screen.getByTestId('leaderboard-row');
    const base = row.querySelector('.name-base');
    expect(base).toHaveTextContent(/^محمد$/);
    expect(base).toHaveAttribute('dir', 'auto');
    expect(row.querySelector('.name-number')).toHaveTextContent('2');
  });

  it('marks the viewer inside the top without a second row', () => {
    render(<Leaderboard entries={entries(5)} me={{ rank: 2, score: 4000 }} myUserId="u2" />);
    const rows = screen.getAllByTestId('leaderboard-row');
    expect(rows[1]).toHaveAttribute('aria-current', 'true');
    expect(screen.queryByTestId('leaderboard-me-row')).toBeNull();
  });

  it('shows tied ranks as the server sends them', () => {
    render(
      <Leaderboard
        entries={[
          { rank: 1, user_id: 'a', display_name: 'A', score: 900 },
          { rank: 2, user_id: 'b', display_name: 'B', score: 700 },
          { rank: 2, user_id: 'c', display_name: 'C', score: 700 },
          { rank: 4, user_id: 'd', display_name: 'D', score: 500 },
        ]}
      />,
    );
    const ranks = screen.getAllByTestId('leaderboard-row').map((row) => row.getAttribute('data-rank'));
    expect(ranks).toEqual(['1', '2', '2', '4']);
  });

  it('reorders rows when places change, keeping each row element', () => {
    const first = entries(3);
    const { rerender } = render(<Leaderboard entries={first} />);
    const before = screen.getAllByTestId('leaderboard-row');
    const swapped = [
      { ...first[2], rank: 1, score: 5000 },
      { ...first[0], rank: 2 },
      { ...first[1], rank: 3 },
    ];
    rerender(<Leaderboard entries={swapped} />);
    const after = screen.getAllByTestId('leaderboard-row');
    expect(after.map((row) => row.getAttribute('data-user-id'))).toEqual(['u3', 'u1', 'u2']);
    // Same DOM nodes, moved: this is what lets the FLIP transition animate them.
    expect(after[0]).toBe(before[2]);
    expect(after[0]).toHaveClass('moved-up');
    expect(after[1]).toHaveClass('moved-down');
  });

  it('says so when nobody has scored yet', () => {
    render(<Leaderboard entries={[]} />);
    expect(screen.getByTestId('leaderboard')).toHaveTextContent('No scores yet.');
  });

  it('keeps the number of a long numbered name in sight when the name is cut', () => {
    render(
      <Leaderboard
        entries={[{ rank: 1, user_id: 'u2', display_name: 'Mohammed Abdulrahman Al-Sayed 2', score: 900 }]}
      />,
    );
    const row = screen.getByTestId('leaderboard-row');
    expect(row.querySelector('.name-base')).toHaveTextContent('Mohammed Abdulrahman Al-Sayed');
    expect(row.querySelector('.name-number')).toHaveTextContent('2');
    expect(row).toHaveTextContent('Mohammed Abdulrahman Al-Sayed 2');
  });
});
