import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fitJoinAt, fitLockedNote, LOCKED_NOTE, PresenterCode, type LockedNoteWidths } from './PresenterCode';

/** The note's forms as a 1024 px projector sets them, roughly. */
const widths: LockedNoteWidths = { inline: 290, own: 272, inlineShort: 80, ownShort: 62 };

describe('fitLockedNote', () => {
  it('keeps the whole note on the quiz ID line where it fits', () => {
    expect(fitLockedNote(600, 200, widths)).toBe('inline');
  });

  it('puts the whole note on its own line before it shortens it', () => {
    expect(fitLockedNote(400, 200, widths)).toBe('own-line');
  });

  it('says just "Locked" where even its own line is too short for the whole note', () => {
    expect(fitLockedNote(260, 170, widths)).toBe('inline-short');
    expect(fitLockedNote(210, 170, widths)).toBe('own-line-short');
  });

  it('leaves a pixel to spare, and shows the whole note when nothing was measured', () => {
    expect(fitLockedNote(490, 200, widths)).toBe('own-line');
    expect(fitLockedNote(491, 200, widths)).toBe('inline');
    expect(fitLockedNote(0, 0, { inline: 0, own: 0, inlineShort: 0, ownShort: 0 })).toBe('inline');
  });
});

describe('fitJoinAt', () => {
  // "· http://192.168.1.20:8000/" and the address alone, at a 1280 px projector's type.
  const address = { inline: 300, own: 285 };

  it('keeps the address on the quiz ID line where it fits whole', () => {
    expect(fitJoinAt(600, 210, address)).toBe('inline');
  });

  it('puts the address on its own line rather than cutting it', () => {
    // The 1280x720 bar: 470 px for "Quiz ID K7PQ2M" and the address.
    expect(fitJoinAt(470, 210, address)).toBe('own-line');
  });

  it('sets the address smaller where even its own line is too short (it then breaks, whole)', () => {
    // The 1024x768 bar.
    expect(fitJoinAt(227, 200, address)).toBe('own-line-small');
    expect(fitJoinAt(286, 200, address)).toBe('own-line');
  });

  it('leaves a pixel to spare, and keeps it inline when nothing was measured', () => {
    expect(fitJoinAt(510, 210, address)).toBe('own-line');
    expect(fitJoinAt(511, 210, address)).toBe('inline');
    expect(fitJoinAt(0, 0, { inline: 0, own: 0 })).toBe('inline');
  });
});

describe('PresenterCode', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Lay the bar out as a projector whose title column is `line` px wide (the address's forms as `address`). */
  function layout(line: number, address = { inline: 300, own: 285 }) {
    vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockImplementation(function (this: HTMLElement) {
      return this.classList.contains('presenter-title') ? line : 0;
    });
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (this: HTMLElement) {
      const ruler = this.dataset.ruler;
      const note = this.classList.contains('join-at') ? address : widths;
      const width =
        ruler === 'inline'
          ? note.inline
          : ruler === 'own'
            ? note.own
            : ruler === 'inline-short'
              ? widths.inlineShort
              : ruler === 'own-short'
                ? widths.ownShort
                : this.tagName === 'STRONG'
                  ? 170
                  : line;
      return { x: 0, y: 0, left: 0, top: 0, right: width, bottom: 30, width, height: 30, toJSON: () => ({}) };
    });
  }

  function renderCode(locked = true) {
    return render(
      <div className="presenter-title">
        <PresenterCode sessionId="K7PQ2M" joinAt="http://192.168.1.20:8000/" locked={locked} finished={false} />
      </div>,
    );
  }

  it('shows where to join while joining is open', () => {
    renderCode(false);
    expect(screen.queryByTestId('host-locked-note')).toBeNull();
    expect(screen.getByTestId('host-session-id').closest('.presenter-code')).not.toHaveClass('is-locked');
    expect(screen.getByTestId('host-join-at')).toHaveTextContent(/^· http:\/\/192\.168\.1\.20:8000\/$/);
  });

  it('puts the address after the quiz ID where the bar has room for it whole', () => {
    layout(1000);
    renderCode(false);
    const joinAt = screen.getByTestId('host-join-at');
    expect(joinAt).toHaveAttribute('data-fit', 'inline');
    expect(joinAt).not.toHaveClass('is-own-line');
    expect(joinAt).toHaveTextContent(/^· http:\/\/192\.168\.1\.20:8000\/$/);
  });

  it('gives the address a line of its own, whole and without "·", where the quiz ID leaves too little room', () => {
    // The 1280x720 projector's bar of the review: the address was cut to "http://127.0.0.1…".
    layout(470);
    renderCode(false);
    const joinAt = screen.getByTestId('host-join-at');
    expect(joinAt).toHaveAttribute('data-fit', 'own-line');
    expect(joinAt).toHaveClass('is-own-line');
    expect(joinAt.textContent).toBe('http://192.168.1.20:8000/');
  });

  it('sets an address too long for its own line smaller, whole', () => {
    layout(227);
    renderCode(false);
    const joinAt = screen.getByTestId('host-join-at');
    expect(joinAt).toHaveAttribute('data-fit', 'own-line-small');
    expect(joinAt).toHaveClass('is-own-line', 'is-small');
    expect(joinAt.textContent).toBe('http://192.168.1.20:8000/');
  });

  it('measures the address again once the quiz is unlocked', () => {
    layout(470);
    const { rerender } = renderCode(true);
    expect(screen.getByTestId('host-locked-note')).toHaveAttribute('data-fit', 'inline');
    rerender(
      <div className="presenter-title">
        <PresenterCode sessionId="K7PQ2M" joinAt="http://192.168.1.20:8000/" locked={false} finished={false} />
      </div>,
    );
    expect(screen.getByTestId('host-join-at')).toHaveAttribute('data-fit', 'own-line');
  });

  it('puts the whole note after the quiz ID, faded, where the bar has room', () => {
    layout(1000);
    renderCode();
    const note = screen.getByTestId('host-locked-note');
    expect(note).toHaveAttribute('data-fit', 'inline');
    expect(note).toHaveTextContent(/^· Locked: nobody new can join$/);
    expect(screen.getByTestId('host-session-id').closest('.presenter-code')).toHaveClass('is-locked');
    expect(screen.queryByText(/192\.168\.1\.20/)).toBeNull();
  });

  it('starts a note on its own line without "·"', () => {
    layout(400);
    renderCode();
    const note = screen.getByTestId('host-locked-note');
    expect(note).toHaveAttribute('data-fit', 'own-line');
    expect(note).toHaveClass('is-own-line');
    expect(note).toHaveTextContent(/^Locked: nobody new can join$/);
  });

  it('says "Locked" where the bar is short, the rest to screen readers only', () => {
    layout(210);
    renderCode();
    const note = screen.getByTestId('host-locked-note');
    expect(note).toHaveAttribute('data-fit', 'own-line-short');
    expect(note.textContent).toBe(LOCKED_NOTE);
    expect(note.querySelector('.visually-hidden')).toHaveTextContent(/^: nobody new can join$/);
    expect(note.textContent?.startsWith('·')).toBe(false);
  });

  it('keeps the rulers it measures with away from screen readers', () => {
    layout(1000);
    renderCode();
    const rulers = document.querySelector('.presenter-code-rulers');
    expect(rulers).toHaveAttribute('aria-hidden', 'true');
    expect(screen.getAllByTestId('host-locked-note')).toHaveLength(1);
  });
});
