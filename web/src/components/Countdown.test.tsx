import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Countdown, remainingMs } from './Countdown';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

describe('Countdown', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows the seconds left until the server deadline', () => {
    render(<Countdown closesAt="2026-03-01T10:00:20.000Z" offsetMs={0} />);
    expect(screen.getByTestId('countdown')).toHaveTextContent('20');
    act(() => vi.advanceTimersByTime(5200));
    expect(screen.getByTestId('countdown')).toHaveTextContent('15');
    expect(screen.getByRole('timer')).toHaveAttribute('aria-label', '15 seconds left');
  });

  it('corrects for a client clock that runs behind the server', () => {
    // The server is 3 s ahead: 3 s of the 20 have already passed there.
    render(<Countdown closesAt="2026-03-01T10:00:20.000Z" offsetMs={3000} />);
    expect(screen.getByTestId('countdown')).toHaveTextContent('17');
  });

  it('never shows or says more seconds than the question has', () => {
    // A clock offset estimated 1.5 s short would show 13.5 s of a 12 s question.
    render(<Countdown opensAt="2026-03-01T10:00:00.000Z" closesAt="2026-03-01T10:00:12.000Z" offsetMs={-1500} />);
    expect(screen.getByTestId('countdown')).toHaveTextContent('12');
    expect(screen.getByRole('timer')).toHaveAttribute('aria-label', '12 seconds left');
  });

  it("starts a 30 s question at 30 where the server keeps a large room's open 30.25 s, and ends at closes_at", () => {
    render(<Countdown opensAt="2026-03-01T10:00:00.000Z" closesAt="2026-03-01T10:00:30.250Z" offsetMs={0} />);
    const timer = screen.getByTestId('countdown');
    const number = timer.querySelector('.countdown-number');
    const region = timer.querySelector('[aria-live]');
    expect(number).toHaveTextContent(/^30$/);
    expect(screen.getByRole('timer')).toHaveAttribute('aria-label', '30 seconds left');
    expect(region).toHaveTextContent('30 seconds left');
    act(() => vi.advanceTimersByTime(1200));
    expect(number).toHaveTextContent(/^30$/);
    act(() => vi.advanceTimersByTime(200));
    expect(number).toHaveTextContent(/^29$/);
    act(() => vi.advanceTimersByTime(28_600));
    expect(number).toHaveTextContent(/^1$/);
    act(() => vi.advanceTimersByTime(400));
    expect(number).toHaveTextContent(/^0$/);
    expect(timer).toHaveAttribute('data-remaining-ms', '0');
  });

  it('never shows more than the seconds the teacher set, where it is told them', () => {
    // At 10,000 players the server adds up to a quarter of the question's time: 32.75 s for 30.
    render(
      <Countdown
        opensAt="2026-03-01T10:00:00.000Z"
        closesAt="2026-03-01T10:00:32.750Z"
        offsetMs={0}
        limitSeconds={30}
      />,
    );
    const number = screen.getByTestId('countdown').querySelector('.countdown-number');
    expect(number).toHaveTextContent(/^30$/);
    expect(screen.getByRole('timer')).toHaveAttribute('aria-label', '30 seconds left');
    act(() => vi.advanceTimersByTime(3800));
    expect(number).toHaveTextContent(/^29$/);
  });

  it('reads the clock when a new question opens, not at the last tick', () => {
    const { rerender } = render(
      <Countdown opensAt="2026-03-01T10:00:00.000Z" closesAt="2026-03-01T10:00:12.000Z" offsetMs={0} />,
    );
    // 180 ms into a tick, the next question opens (12 s from now): no "13".
    vi.setSystemTime(T0 + 30_180);
    rerender(<Countdown opensAt="2026-03-01T10:00:30.180Z" closesAt="2026-03-01T10:00:42.180Z" offsetMs={0} />);
    expect(screen.getByTestId('countdown')).toHaveTextContent('12');
  });

  it('counts down to zero, calls onExpire once and announces the end', () => {
    const onExpire = vi.fn();
    render(<Countdown closesAt="2026-03-01T10:00:02.000Z" offsetMs={0} onExpire={onExpire} />);
    act(() => vi.advanceTimersByTime(2000));
    expect(screen.getByTestId('countdown')).toHaveTextContent('0');
    expect(screen.getByTestId('countdown')).toHaveAttribute('data-remaining-ms', '0');
    act(() => vi.advanceTimersByTime(2000));
    expect(onExpire).toHaveBeenCalledTimes(1);
    expect(screen.getByText('Time is up')).toBeInTheDocument();
  });

  it('announces the time left at a few moments, not every second', () => {
    render(<Countdown closesAt="2026-03-01T10:00:12.000Z" offsetMs={0} />);
    const region = screen.getByTestId('countdown').querySelector('[aria-live]');
    const heard = [region?.textContent];
    for (let second = 0; second < 13; second += 1) {
      act(() => vi.advanceTimersByTime(1000));
      if (region?.textContent !== heard.at(-1)) heard.push(region?.textContent);
    }
    expect(heard).toEqual([
      '12 seconds left',
      '10 seconds left',
      '5 seconds left',
      '3 seconds left',
      '2 seconds left',
      '1 second left',
      'Time is up',
    ]);
  });

  it('announces the seconds really left, not the moment it rounds to', () => {
    // Opened late (a reload, a slow phone): 7 s left is not "10 seconds left".
    render(<Countdown closesAt="2026-03-01T10:00:07.000Z" offsetMs={0} />);
    const region = screen.getByTestId('countdown').querySelector('[aria-live]');
    expect(region).toHaveTextContent('7 seconds left');
    act(() => vi.advanceTimersByTime(1000));
    expect(region).toHaveTextContent('7 seconds left');
    act(() => vi.advanceTimersByTime(1000));
    expect(region).toHaveTextContent('5 seconds left');
    act(() => vi.advanceTimersByTime(4000));
    expect(region).toHaveTextContent('1 second left');
    expect(screen.getByRole('timer')).toHaveAttribute('aria-label', '1 second left');
  });

  it('says the seconds left when a late tick passes a moment to announce', () => {
    // A background tab's timers run late: the "10 seconds" tick comes at 9.
    render(<Countdown closesAt="2026-03-01T10:00:12.000Z" offsetMs={0} tickMs={1500} />);
    const region = screen.getByTestId('countdown').querySelector('[aria-live]');
    act(() => vi.advanceTimersByTime(3000));
    expect(region).toHaveTextContent('9 seconds left');
  });

  it('computes the remaining time from the deadline and offset', () => {
    expect(remainingMs('2026-03-01T10:00:10.000Z', 0, T0)).toBe(10_000);
    expect(remainingMs('2026-03-01T10:00:10.000Z', -2000, T0)).toBe(12_000);
    expect(remainingMs('2026-03-01T10:00:10.000Z', 0, T0 + 60_000)).toBe(0);
    expect(remainingMs('garbage', 0, T0)).toBe(0);
  });
});
