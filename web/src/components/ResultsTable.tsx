import { useEffect, useMemo, useState } from 'react';
import type { SessionResults } from '../api';
import { csvBlob, resultsCsv } from '../csv';
import { formatPercent, formatScore } from '../format';

export interface ResultsTableProps {
  results: SessionResults;
  myUserId?: string | null;
  /** Only the host gets the CSV download (with every player's answers). */
  host?: boolean;
}

/** Final standings, per-question statistics and a CSV download. */
export function ResultsTable({ results, myUserId, host = false }: ResultsTableProps) {
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
            {results.standings.map((row) => (
              <tr
                key={row.user_id}
                data-testid="results-row"
                data-user-id={row.user_id}
                data-score={row.score}
                data-rank={row.rank}
                className={row.user_id === myUserId ? 'is-me' : undefined}
              >
                <td>{row.rank}</td>
                <th scope="row" className="results-name" title={row.display_name}>
                  {row.display_name}
                </th>
                <td className="num">{formatScore(row.score)}</td>
                {hasCorrect && <td className="num">{row.correct_count ?? '–'}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {results.questions.length > 0 && (
        <>
          <h3>Questions</h3>
          <div className="table-scroll">
            <table data-testid="results-questions">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Question</th>
                  <th scope="col" className="num">Answers</th>
                  <th scope="col" className="num">Correct</th>
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
                      <td className="num muted" colSpan={2}>
                        not played
                      </td>
                    </tr>
                  ) : (
                    <tr
                      key={question.question_id || position}
                      data-testid="results-question"
                      data-played="true"
                    >
                      <td>{(question.index ?? position) + 1}</td>
                      <td>
                        {question.prompt ?? question.question_id}
                        {question.correct_answer && (
                          <span className="muted"> — {question.correct_answer}</span>
                        )}
                      </td>
                      <td className="num">{question.answer_count ?? '–'}</td>
                      <td className="num">{formatPercent(question.correct_share)}</td>
                    </tr>
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
