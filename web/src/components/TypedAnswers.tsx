import { useEffect, useId, useRef } from 'react';
import type { AnswerGroup, QuestionResponses } from '../api';
import { answerKey } from '../hiddenAnswers';

/**
 * The host's say over the list on the projector (see `hiddenAnswers.ts`):
 * words hidden for the session, and whether the list shows at all.
 */
export interface TypedAnswersControls {
  /** Words the host hid, as `answerKey`s: left out of the list, counted in "and N more". */
  hidden: ReadonlySet<string>;
  /** Hides a word for the rest of the session: each row gets a "Hide" button. */
  onHide: (answer: string) => void;
  /** Given: "Show hidden (N)" while some of the list's words are hidden, putting back every word hidden this session. */
  onRestore?: () => void;
  /**
   * Where the focus goes once "Hide" or "Show hidden" took its own button
   * away: the main action on the live reveal, so Space goes on with the
   * quiz (never the next row's "Hide", where Space would hide the next
   * word). Without it, the list's title.
   */
  focusAfter?: () => void;
  /** Given: a "Hide typed answers" / "Show typed answers" toggle beside the title. */
  shown?: boolean;
  onShownChange?: (shown: boolean) => void;
}

export interface TypedAnswersProps {
  responses: QuestionResponses;
  /** Groups listed at most (the projector lists those that fit); the rest are summed in "and N more". */
  limit?: number;
  title?: string;
  /** The title's heading level: 2 beside the reveal's leaderboard, deeper inside a panel or the results. */
  level?: 2 | 3 | 4;
  /** Given the list of rows (the projector measures how many fit). */
  listRef?: (list: HTMLUListElement | null) => void;
  /** (Host) Hiding words, and the list itself. */
  controls?: TypedAnswersControls;
}

function mark(group: AnswerGroup): { key: string; said: string; className: string } {
  if (group.correct === true) return { key: '✓', said: ' (right)', className: ' is-correct' };
  if (group.correct === false) return { key: '✗', said: ' (wrong)', className: ' is-wrong' };
  return { key: '', said: '', className: '' };
}

/**
 * What the class typed to a question (host only): each spelling with its
 * count, the most typed first, right and wrong marked by ✓ and ✗ (and said
 * to screen readers), not by colour alone. The common misspellings are the
 * lesson. Nothing for a choice question: its chart already shows the spread.
 *
 * With `controls` the teacher keeps a rude word off the projector: "Hide"
 * on its row takes it out of the list (its answers join "and N more"), and
 * the toggle leaves only a button to show the list on demand.
 */
export function TypedAnswers({
  responses,
  limit,
  title = 'What the class typed',
  level = 2,
  listRef,
  controls,
}: TypedAnswersProps) {
  const headingId = useId();
  const listId = useId();
  const Heading = level === 4 ? 'h4' : level === 3 ? 'h3' : 'h2';
  const toggle = useRef<HTMLButtonElement | null>(null);

  // A hidden word's row is gone with its button (and "Show hidden" with
  // the last hidden word): the focus goes where the host says (the main
  // action), else to the list's title, never on to the next row's "Hide",
  // where the next Space or Enter would hide a word nobody chose.
  const heading = useRef<HTMLHeadingElement | null>(null);
  const refocus = useRef(false);
  const hidden = controls?.hidden;
  const focusAfter = controls?.focusAfter;
  useEffect(() => {
    if (!refocus.current) return;
    refocus.current = false;
    if (focusAfter) {
      focusAfter();
    } else {
      (heading.current ?? toggle.current)?.focus();
    }
  }, [hidden, focusAfter]);

  if (responses.kind === 'choice' || responses.responses.length === 0) return null;
  const collapsed = controls?.onShownChange !== undefined && controls.shown === false;
  const visible = hidden
    ? responses.responses.filter((group) => !hidden.has(answerKey(group.answer)))
    : responses.responses;
  const shown = visible.slice(0, Math.max(1, limit ?? visible.length));
  const total = (groups: readonly AnswerGroup[]) => groups.reduce((sum, group) => sum + group.count, 0);
  // Every listed word hidden: said so, not an empty list.
  const allHidden = visible.length === 0;
  const hiddenWords = responses.responses.length - visible.length;
  // Hidden words' answers join "and N more"; all hidden, they are said above it.
  const more = responses.other_count + (allHidden ? 0 : total(responses.responses) - total(shown));
  const most = Math.max(1, ...shown.map((group) => group.count));
  const onHide = controls?.onHide;
  const onRestore = hiddenWords > 0 ? controls?.onRestore : undefined;
  return (
    <section
      className={`typed${collapsed ? ' is-collapsed' : ''}`}
      aria-labelledby={collapsed ? undefined : headingId}
      aria-label={collapsed ? title : undefined}
      data-testid="typed-answers"
    >
      <div className="typed-head">
        {/* Hidden, only the button shows: nothing of what was typed. */}
        {!collapsed && (
          <Heading className="typed-title" id={headingId} ref={heading} tabIndex={-1}>
            {title}
          </Heading>
        )}
        {((!collapsed && onRestore) || controls?.onShownChange) && (
          <span className="typed-actions">
            {/* Undoes the Hides: every word hidden this session comes back. */}
            {!collapsed && onRestore && (
              <button
                type="button"
                className="link-button typed-restore"
                data-testid="typed-restore"
                title="Show again every word hidden in this quiz"
                onClick={() => {
                  refocus.current = true;
                  onRestore();
                }}
              >
                Show hidden ({hiddenWords})
              </button>
            )}
            {controls?.onShownChange && (
              <button
                ref={toggle}
                type="button"
                className="link-button typed-toggle-shown"
                data-testid="typed-answers-toggle"
                aria-controls={collapsed ? undefined : listId}
                onClick={() => controls.onShownChange?.(collapsed)}
              >
                {collapsed ? 'Show typed answers' : 'Hide typed answers'}
              </button>
            )}
          </span>
        )}
      </div>
      {!collapsed && (
        <>
          {allHidden && (
            <p className="typed-more typed-all-hidden" data-testid="typed-all-hidden" id={listId}>
              All {total(responses.responses)} {total(responses.responses) === 1 ? 'answer' : 'answers'} hidden
            </p>
          )}
          {!allHidden && (
            <ul className="bars typed-bars" id={listId} ref={listRef}>
              {shown.map((group, index) => {
                const { key, said, className } = mark(group);
                return (
                  <li
                    key={`${index}-${group.answer}`}
                    className={`bar bar-plain typed-bar${className}${onHide ? ' has-hide' : ''}`}
                    data-testid="typed-answer"
                    data-count={group.count}
                    data-correct={group.correct === null ? '' : String(group.correct)}
                  >
                    <span className="bar-key" aria-hidden="true">
                      {key}
                    </span>
                    {/* A word cut by the ellipsis shows whole on hover; the <bdi> cuts
                        it, in its own direction (the end of a right-to-left word). */}
                    <span className="bar-label" title={group.answer}>
                      <bdi>{group.answer}</bdi>
                      {said && <span className="visually-hidden">{said}</span>}
                    </span>
                    <span className="bar-track" aria-hidden="true">
                      <span className="bar-fill" style={{ width: `${(group.count / most) * 100}%` }} />
                    </span>
                    <span className="bar-count">
                      {group.count}
                      <span className="visually-hidden"> {group.count === 1 ? 'answer' : 'answers'}</span>
                    </span>
                    {onHide && (
                      <button
                        type="button"
                        className="typed-hide"
                        aria-label={`Hide "${group.answer}"`}
                        title="Hide this word for the rest of the quiz"
                        onClick={() => {
                          refocus.current = true;
                          onHide(group.answer);
                        }}
                      >
                        Hide
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          {more > 0 && (
            <p className="typed-more" data-testid="typed-more">
              and {more} more {more === 1 ? 'answer' : 'answers'}
            </p>
          )}
        </>
      )}
    </section>
  );
}
