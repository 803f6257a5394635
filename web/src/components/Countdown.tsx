import { useEffect, useRef, useState } from 'react';

export interface CountdownProps {
  /** Server time (RFC 3339) at which the question closes. */
  closesAt: string | null | undefined;
  /** Server time at which it opened; sets the length of the progress bar. */
  opensAt?: string | null;
  /**
   * The seconds the teacher set for the question (v1.2 servers send them
   * with it): the number shown never says more.
   */
  limitSeconds?: number | null;
  /** Server time minus client time, milliseconds. */
  offsetMs: number;
  /** Called once when the time is up (by the server's clock). */
  onExpire?: () => void;
  /** Tick interval; the display is refreshed this often. */
  tickMs?: number;
}

/** Milliseconds left until `closesAt` on the server's clock. */
export function remainingMs(closesAt: string, offsetMs: number, now: number): number {
  const deadline = Date.parse(closesAt);
  if (Number.isNaN(deadline)) return 0;
  return Math.max(0, deadline - (now + offsetMs));
}

function timeLeft(seconds: number): string {
  if (seconds <= 0) return 'Time is up';
  return seconds === 1 ? '1 second left' : `${seconds} seconds left`;
}

/** The seconds left at which the live region speaks, besides the opening. */
const SPOKEN_AT = [1, 2, 3, 5, 10];

/**
 * The stretch of the countdown that `seconds` left fall in, named by the
 * spoken moment that opens it (10 for 10 down to 6, 5 for 5 and 4, …):
 * Infinity before the first, 0 once time is up.
 */
function stretchOf(seconds: number): number {
  if (seconds <= 0) return 0;
  return SPOKEN_AT.find((at) => seconds <= at) ?? Infinity;
}

/** A countdown synced to the server's deadline. */
export function Countdown({ closesAt, opensAt, offsetMs, limitSeconds, onExpire, tickMs = 200 }: CountdownProps) {
  const [now, setNow] = useState(() => Date.now());
  const expired = useRef(false);
  const onExpireRef = useRef(onExpire);
  onExpireRef.current = onExpire;

  useEffect(() => {
    expired.current = false;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(timer);
  }, [closesAt, tickMs]);

  const opened = opensAt ? Date.parse(opensAt) : NaN;
  const total = closesAt && !Number.isNaN(opened) ? Date.parse(closesAt) - opened : NaN;
  // The clock read now, not at the last tick: a question that just opened
  // must not start up to a tick's worth above its time (12 s read as 13).
  const left = closesAt ? remainingMs(closesAt, offsetMs, Math.max(now, Date.now())) : 0;
  // Never more than the question has, whatever the clock offset's estimate.
  const remaining = total > 0 ? Math.min(left, total) : left;
  // Nor more than the teacher set: the server keeps a large room's question
  // open a fraction of a second longer (30.25 s for 30), for the screens it
  // reaches last, which "31" would misstate. A question's seconds are whole:
  // from a server without them, the window's whole seconds (right while that
  // allowance is under a second, as in a classroom). It still reaches 0 at
  // closes_at.
  const cap = limitSeconds && limitSeconds > 0 ? limitSeconds : total > 0 ? Math.floor(total / 1000) : Infinity;
  const seconds = Math.min(Math.ceil(remaining / 1000), cap);

  // Spoken when the countdown opens and as it enters each stretch, with the
  // seconds really left then (a late tick may enter "10" at 9): a live region
  // that speaks every second is noise. Set after the region is on the page,
  // as a live region's first words are not always read.
  const stretch = stretchOf(seconds);
  const [spoken, setSpoken] = useState('');
  useEffect(() => {
    if (closesAt) setSpoken(timeLeft(seconds));
    // Not on `seconds`: only when a new countdown or stretch begins.
  }, [closesAt, stretch]);

  useEffect(() => {
    if (closesAt && remaining <= 0 && !expired.current) {
      expired.current = true;
      onExpireRef.current?.();
    }
  }, [closesAt, remaining]);

  if (!closesAt) return null;
  const fraction = total > 0 ? Math.min(1, remaining / total) : remaining > 0 ? 1 : 0;
  const urgent = seconds <= 5;

  return (
    <div
      className={`countdown${urgent ? ' countdown-urgent' : ''}`}
      data-testid="countdown"
      data-remaining-ms={remaining}
      role="timer"
      aria-label={timeLeft(seconds)}
    >
      <span className="countdown-number" aria-hidden="true">
        {seconds}
      </span>
      <span className="countdown-bar" aria-hidden="true">
        <span className="countdown-fill" style={{ transform: `scaleX(${fraction})` }} />
      </span>
      <span className="visually-hidden" aria-live="polite">
        {spoken}
      </span>
    </div>
  );
}
