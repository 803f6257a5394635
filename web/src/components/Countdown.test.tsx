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

  it('announces the last seconds to screen readers, not every tick', () => {
    render(<Countdown closesAt="2026-03-01T10:00:30.000Z" offsetMs={0} />);
    const region = screen.getByTestId('countdown').querySelector('[aria-live]');
    expect(region).toHaveTextContent('');
    act(() => vi.advanceTimersByTime(21_000));
    expect(region).toHaveTextContent('10 seconds left');
    act(() => vi.advanceTimersByTime(5_000));
    expect(region).toHaveTextContent('5 seconds left');
  });

  it('computes the remaining time from the deadline and offset', () => {
    expect(remainingMs('2026-03-01T10:00:10.000Z', 0, T0)).toBe(10_000);
    expect(remainingMs('2026-03-01T10:00:10.000Z', -2000, T0)).toBe(12_000);
    expect(remainingMs('2026-03-01T10:00:10.000Z', 0, T0 + 60_000)).toBe(0);
    expect(remainingMs('garbage', 0, T0)).toBe(0);
  });
});
