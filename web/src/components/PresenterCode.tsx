import { useLayoutEffect, useRef, useState } from 'react';

/** What the bar says of a locked quiz, and its short form where the bar has little room. */
export const LOCKED_NOTE = 'Locked: nobody new can join';
export const LOCKED_SHORT = 'Locked';

/**
 * How the bar's locked note fits beside the quiz ID: the whole note on the
 * quiz ID's line ("Quiz ID K7PQ2M · Locked: nobody new can join"), else on
 * a line of its own (no "·" to start it), else the short "Locked" on the
 * quiz ID's line, else on a line of its own. Never cut.
 */
export type LockedNoteFit = 'inline' | 'own-line' | 'inline-short' | 'own-line-short';

/** The widths (px) of each form of the note, as the bar's type sets them. */
export interface LockedNoteWidths {
  /** "· Locked: nobody new can join" */
  inline: number;
  /** "Locked: nobody new can join" */
  own: number;
  /** "· Locked" */
  inlineShort: number;
  /** "Locked" */
  ownShort: number;
}

/** A pixel to spare: rounding must not cut the note's last letter. */
const SPARE_PX = 1;

/**
 * The note's fit in a line of `available` px whose quiz ID (its label, the
 * code and the gap after it) takes `idWidth` px. The whole note when nothing
 * was measured (no layout).
 */
export function fitLockedNote(available: number, idWidth: number, widths: LockedNoteWidths): LockedNoteFit {
  if (available <= 0) return 'inline';
  const room = available - SPARE_PX;
  if (idWidth + widths.inline <= room) return 'inline';
  if (widths.own <= room) return 'own-line';
  if (idWidth + widths.inlineShort <= room) return 'inline-short';
  return 'own-line-short';
}

/**
 * How the join address fits beside the quiz ID: on its line after a "·"
 * where it fits, else on a line of its own (no "·"), else on its own line
 * in the locked note's smaller type, where it breaks between its
 * characters if even that is too long. Never cut: a latecomer types it
 * from the back of the room.
 */
export type JoinAtFit = 'inline' | 'own-line' | 'own-line-small';

/** The widths (px) of the address's forms: "· http://…" and "http://…". */
export interface JoinAtWidths {
  inline: number;
  own: number;
}

/** The address's fit, measured as the locked note's (see `fitLockedNote`). */
export function fitJoinAt(available: number, idWidth: number, widths: JoinAtWidths): JoinAtFit {
  if (available <= 0) return 'inline';
  const room = available - SPARE_PX;
  if (idWidth + widths.inline <= room) return 'inline';
  return widths.own <= room ? 'own-line' : 'own-line-small';
}

export interface PresenterCodeProps {
  sessionId: string;
  /** Where phones go to type the quiz ID; shown while joining is open. */
  joinAt: string;
  locked: boolean;
  /** The quiz is over: the quiz ID alone, nothing about joining. */
  finished: boolean;
}

/**
 * The presenter bar's "Quiz ID K7PQ2M · <address>" during the quiz: the
 * address whole, on the quiz ID's line where it fits, else on its own.
 * Locked, the address gives way to "Locked: nobody new can join", the quiz
 * ID faded, as the lobby fades its big code: the whole note where it fits,
 * on the quiz ID's line or its own, else "Locked" (the rest said to screen
 * readers). Both measured against the bar's room (1024 to 1920 px projectors).
 */
export function PresenterCode({ sessionId, joinAt, locked, finished }: PresenterCodeProps) {
  const showLocked = locked && !finished;
  const code = useRef<HTMLSpanElement>(null);
  const id = useRef<HTMLElement>(null);
  const rulers = useRef<HTMLSpanElement>(null);
  const [fit, setFit] = useState<LockedNoteFit | JoinAtFit>('inline');

  useLayoutEffect(() => {
    const box = code.current;
    const idNode = id.current;
    const ruler = rulers.current;
    if (finished || !box || !idNode || !ruler) return;
    // The bar's title column: its width is the bar's, whatever the note says.
    const line = box.parentElement ?? box;
    const width = (name: string) =>
      ruler.querySelector<HTMLElement>(`[data-ruler='${name}']`)?.getBoundingClientRect().width ?? 0;
    const update = () => {
      const gap = parseFloat(getComputedStyle(box).columnGap) || 0;
      const lineBox = line.getBoundingClientRect();
      const idWidth = idNode.getBoundingClientRect().right - lineBox.left + gap;
      const available = line.clientWidth;
      setFit(
        showLocked
          ? fitLockedNote(available, idWidth, {
              inline: width('inline'),
              own: width('own'),
              inlineShort: width('inline-short'),
              ownShort: width('own-short'),
            })
          : fitJoinAt(available, idWidth, { inline: width('inline'), own: width('own') }),
      );
    };
    update();
    window.addEventListener('resize', update);
    // The type follows the screen's width and height: the rulers' sizes say when it changed.
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(update);
    observer?.observe(line);
    observer?.observe(idNode);
    ruler.querySelectorAll('[data-ruler]').forEach((node) => observer?.observe(node));
    let live = true;
    document.fonts?.ready.then(() => {
      if (live) update();
    });
    return () => {
      live = false;
      window.removeEventListener('resize', update);
      observer?.disconnect();
    };
  }, [showLocked, finished, sessionId, joinAt]);

  const short = fit === 'inline-short' || fit === 'own-line-short';
  const ownLine = fit === 'own-line' || fit === 'own-line-short' || fit === 'own-line-small';
  return (
    <span className={`presenter-code${showLocked ? ' is-locked' : ''}`} ref={code}>
      <span className="presenter-code-label">Quiz ID</span>{' '}
      <strong data-testid="host-session-id" ref={id}>
        {sessionId}
      </strong>
      {!finished &&
        (showLocked ? (
          <>
            {/* The quiz ID no longer lets anyone in: said where latecomers read it. */}
            <span
              className={`locked-note${ownLine ? ' is-own-line' : ''}`}
              data-testid="host-locked-note"
              data-fit={fit}
            >
              {!ownLine && <span aria-hidden="true">· </span>}
              {short ? (
                <>
                  {LOCKED_SHORT}
                  <span className="visually-hidden">{LOCKED_NOTE.slice(LOCKED_SHORT.length)}</span>
                </>
              ) : (
                LOCKED_NOTE
              )}
            </span>
            {/* Each form of the note, unseen, measured in the bar's own type. */}
            <span className="presenter-code-rulers" aria-hidden="true" ref={rulers}>
              <span className="locked-note" data-ruler="inline">
                · {LOCKED_NOTE}
              </span>
              <span className="locked-note" data-ruler="own">
                {LOCKED_NOTE}
              </span>
              <span className="locked-note" data-ruler="inline-short">
                · {LOCKED_SHORT}
              </span>
              <span className="locked-note" data-ruler="own-short">
                {LOCKED_SHORT}
              </span>
            </span>
          </>
        ) : (
          <>
            <span
              className={`muted join-at${ownLine ? ' is-own-line' : ''}${fit === 'own-line-small' ? ' is-small' : ''}`}
              data-testid="host-join-at"
              data-fit={fit === 'own-line-small' ? fit : ownLine ? 'own-line' : 'inline'}
            >
              {!ownLine && <span aria-hidden="true">· </span>}
              {joinAt}
            </span>
            {/* Both forms of the address, unseen, measured in the bar's own type. */}
            <span className="presenter-code-rulers" aria-hidden="true" ref={rulers}>
              <span className="join-at" data-ruler="inline">
                · {joinAt}
              </span>
              <span className="join-at" data-ruler="own">
                {joinAt}
              </span>
            </span>
          </>
        ))}
    </span>
  );
}
