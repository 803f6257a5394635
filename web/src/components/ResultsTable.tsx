import { Fragment, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { PlayerAnswer, QuestionResponses, QuestionStats, SessionResults } from '../api';
import { csvBlob, resultsCsv } from '../csv';
import { formatPercent, formatPoints, formatScore } from '../format';
import { TypedAnswers, type TypedAnswersControls } from './TypedAnswers';

export interface ResultsTableProps {
  results: SessionResults;
  myUserId?: string | null;
  /** Only the host gets the CSV download (with every player's answers). */
  host?: boolean;
  /** (Host only) Reads what the class typed to a question: offered on typed questions when given. */
  loadResponses?: (questionId: string) => Promise<QuestionResponses>;
  /** (Host) The words hidden from the projector this session, and a "Hide" on each row. */
  typedControls?: TypedAnswersControls;
}

/**
 * Standings listed: the first ten, and the caller's own row below them when
 * it is further down. The host may show them all (and has them all in the
 * CSV); a phone never lists the bottom of the class to everyone.
 */
const RESULTS_TOP = 10;

/**
 * A typed question that was answered. The results do not say a question's
 * kind, but a choice question's answers are always counted per choice.
 */
function typedAndAnswered(question: QuestionStats): boolean {
  return question.played !== false && question.choice_counts === null && (question.answer_count ?? 0) > 0;
}

/** What the class typed to one question, read when the host opens it. */
function TypedFor({
  questionId,
  load,
  controls,
}: {
  questionId: string;
  load: (questionId: string) => Promise<QuestionResponses>;
  controls?: TypedAnswersControls;
}) {
  const [found, setFound] = useState<QuestionResponses | 'failed' | null>(null);
  useEffect(() => {
    let gone = false;
    load(questionId).then(
      (responses) => !gone && setFound(responses),
      () => !gone && setFound('failed'),
    );
    return () => {
      gone = true;
    };
  }, [questionId, load]);
  if (found === null) return <p className="muted typed-more">Loading…</p>;
  if (found === 'failed' || found.responses.length === 0) {
    return <p className="muted typed-more">What they typed could not be read.</p>;
  }
  return <TypedAnswers responses={found} title="What they typed" level={4} controls={controls} />;
}

/**
 * A player's own answer to a question, in their final results: what they
 * answered, whether it was right, in a word (not only a colour), and its
 * points; "no answer" where they gave none.
 */
function MyAnswer({ answer }: { answer: PlayerAnswer | undefined }) {
  if (!answer || answer.answer === null) return <span className="muted">no answer</span>;
  return (
    <>
      <span className="my-answer-text" dir="auto">
        {answer.answer}
      </span>
      {(answer.correct !== null || answer.points !== null) && (
        <>
          {' '}
          {/* The verdict and its points on one line: never a line starting with "·". */}
          <span className="my-answer-verdict-line">
            {answer.correct !== null && (
              <span className={`my-answer-verdict ${answer.correct ? 'is-right' : 'is-wrong'}`}>
                <span aria-hidden="true">{answer.correct ? '✓' : '✗'} </span>
                {answer.correct ? 'right' : 'wrong'}
              </span>
            )}
            {answer.correct !== null && answer.points !== null && ' '}
            {answer.points !== null && (
              <span className="my-answer-points">
                <span aria-hidden="true">· </span>
                {formatPoints(answer.points)}
              </span>
            )}
          </span>
        </>
      )}
    </>
  );
}

/** Final standings, per-question statistics and a CSV download. */
export function ResultsTable({ results, myUserId, host = false, loadResponses, typedControls }: ResultsTableProps) {
  const csv = useMemo(
    () => (host ? resultsCsv(results.standings, results.questions) : ''),
    [host, results.standings, results.questions],
  );
  const [href, setHref] = useState<string | null>(null);

  useEffect(() => {
    if (!host || typeof URL.createObjectURL !== 'function') return;
    const url = URL.createObjectURL(csvBlob(csv));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [host, csv]);

  const hasCorrect = results.standings.some((row) => row.correct_count !== null);
  const [showAll, setShowAll] = useState(false);
  // "Show all N players" goes once pressed: the keyboard's focus moves to the
  // first row it showed (focusable from script only), never to the page.
  const firstShown = useRef<HTMLTableRowElement>(null);
  const focusShown = useRef(false);
  useEffect(() => {
    if (!showAll || !focusShown.current) return;
    focusShown.current = false;
    firstShown.current?.focus();
  }, [showAll]);
  const standings = results.standings;
  const listed = showAll ? standings : standings.slice(0, RESULTS_TOP);
  // A phone's copy lists the top only, its own standing beside it (`me`).
  const mine =
    standings.find((row) => row.user_id === myUserId) ??
    (results.me && results.me.user_id === myUserId ? results.me : undefined);
  const mineBelow = mine !== undefined && !listed.includes(mine);
  const total = Math.max(results.participant_count ?? 0, standings.length);
  const hidden = total - listed.length - (mineBelow ? 1 : 0);
  // The typed questions whose words are open, by question id.
  const [typedOpen, setTypedOpen] = useState<ReadonlySet<string>>(new Set());
  const typedIds = useId();
  // A player reviews their own answers (a server that sends `my_answers`);
  // the host's view stays as it is.
  const myAnswers = host ? null : (results.my_answers ?? null);
  const columns = myAnswers ? 5 : 4;
  const toggleTyped = (questionId: string) =>
    setTypedOpen((open) => {
      const next = new Set(open);
      if (!next.delete(questionId)) next.add(questionId);
      return next;
    });

  return (
    <section className="card results" aria-labelledby="results-title">
      <div className="results-head">
        <h2 id="results-title">Final results</h2>
        {host && (
          <a
            className="button secondary"
            data-testid="results-csv"
            href={href ?? undefined}
            download={`quizcore-${results.session_id}-results.csv`}
            aria-disabled={href === null}
          >
            Download CSV
          </a>
        )}
      </div>
      <div className="table-scroll">
        <table data-testid="results-table">
          <caption className="visually-hidden">Final standings</caption>
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">Player</th>
              <th scope="col" className="num">Score</th>
              {hasCorrect && <th scope="col" className="num">Correct</th>}
            </tr>
          </thead>
          <tbody>
            {[...listed, ...(mineBelow ? [mine] : [])].map((row, position) => (
              <tr
                key={row.user_id}
                ref={showAll && position === RESULTS_TOP ? firstShown : undefined}
                tabIndex={showAll && position === RESULTS_TOP ? -1 : undefined}
                data-testid="results-row"
                data-user-id={row.user_id}
                data-score={row.score}
                data-rank={row.rank}
                className={row === mine ? `is-me${mineBelow ? ' is-below' : ''}` : undefined}
                aria-current={row === mine ? 'true' : undefined}
              >
                <td>{row.rank}</td>
                {/* The cell cuts the name: in the name's own direction (`dir="auto"`,
                    which a <bdi> inside would hide from it), so the ellipsis falls at
                    the end of an Arabic name too, its beginning in sight. */}
                <th
                  scope="row"
                  className={`results-name${row === mine ? ' is-mine' : ''}`}
                  title={row.display_name}
                  dir="auto"
                >
                  <span className="results-name-text">{row.display_name}</span>
                  {/* The player's own row shows the whole name (wrapping) and "(you)". */}
                  {row === mine && (
                    <>
                      {' '}
                      <span className="results-you">(you)</span>
                    </>
                  )}
                </th>
                <td className="num">{formatScore(row.score)}</td>
                {hasCorrect && <td className="num">{row.correct_count ?? '–'}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {hidden > 0 && (
        <p className="results-more muted" data-testid="results-more">
          {host ? (
            <button type="button" className="link-button" data-testid="results-show-all" onClick={() => {
                focusShown.current = true;
                setShowAll(true);
              }}>
              Show all {total} players
            </button>
          ) : (
            // Under the player's own row "and N more" would read as "below me".
            mineBelow
              ? `${hidden} other ${hidden === 1 ? 'player' : 'players'} not shown`
              : `and ${hidden} more ${hidden === 1 ? 'player' : 'players'}`
          )}
        </p>
      )}
      {results.questions.length > 0 && (
        <>
          <h3>Questions</h3>
          <div className="table-scroll">
            <table className="results-questions" data-testid="results-questions">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Question</th>
                  <th scope="col" className="num">Answers</th>
                  <th scope="col" className="num">Correct</th>
                  {myAnswers && <th scope="col">Your answer</th>}
                </tr>
              </thead>
              <tbody>
                {results.questions.map((question, position) =>
                  question.played === false ? (
                    <tr
                      key={question.question_id || position}
                      className="not-played"
                      data-testid="results-question"
                      data-played="false"
                    >
                      <td>{(question.index ?? position) + 1}</td>
                      <td>{question.prompt ?? question.question_id}</td>
                      <td className="num muted" colSpan={columns - 2}>
                        not played
                      </td>
                    </tr>
                  ) : (
                    <Fragment key={question.question_id || position}>
                      <tr data-testid="results-question" data-played="true">
                        <td>{(question.index ?? position) + 1}</td>
                        <td>
                          {question.prompt ?? question.question_id}
                          {question.correct_answer && (
                            <span className="muted"> — {question.correct_answer}</span>
                          )}
                          {loadResponses && question.question_id && typedAndAnswered(question) && (
                            <>
                              {' '}
                              <button
                                type="button"
                                className="link-button typed-toggle"
                                data-testid="results-typed-toggle"
                                aria-expanded={typedOpen.has(question.question_id)}
                                aria-controls={
                                  typedOpen.has(question.question_id) ? `${typedIds}-${position}` : undefined
                                }
                                onClick={() => toggleTyped(question.question_id)}
                              >
                                {/* Each toggle told apart by its question, for a
                                    screen reader listing the buttons or a spoken command;
                                    the row shows which it is. */}
                                What they typed
                                <span className="visually-hidden">
                                  : question {(question.index ?? position) + 1}
                                </span>
                              </button>
                            </>
                          )}
                        </td>
                        {/* The labels head the numbers on a narrow phone, whose table has no head row. */}
                        <td className="num" data-label="Answers">
                          {question.answer_count ?? '–'}
                        </td>
                        <td className="num" data-label="Correct">
                          {formatPercent(question.correct_share)}
                        </td>
                        {myAnswers && (
                          <td
                            className="my-answer"
                            data-label="Your answer"
                            data-testid="results-my-answer"
                            data-correct={String(myAnswers[question.question_id]?.correct ?? '')}
                          >
                            <MyAnswer answer={myAnswers[question.question_id]} />
                          </td>
                        )}
                      </tr>
                      {loadResponses && typedOpen.has(question.question_id) && (
                        <tr className="typed-row" id={`${typedIds}-${position}`}>
                          <td colSpan={columns}>
                            <TypedFor
                              questionId={question.question_id}
                              load={loadResponses}
                              controls={typedControls}
                            />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  ),
                )}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
