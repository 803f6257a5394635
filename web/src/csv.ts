/** CSV export of final results (RFC 4180, built in the browser). */

import type { PlayerAnswer, QuestionStats, ResultRow } from './api';

type Cell = string | number | null | undefined;

/** Quote one cell; guard text against spreadsheet formula injection. */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // A display name such as "=HYPERLINK(...)" must stay text in a spreadsheet.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text)) text = `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** Join rows into CSV text with CRLF line ends. */
export function toCsv(rows: Cell[][]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** What a player's row says for a question they did not answer. */
export const NO_ANSWER = 'no answer';

/** The three cells of one player's answer to a question: the answer, correct (yes/no), points. */
function answerCells(given: PlayerAnswer | undefined): Cell[] {
  // Not answered: said so, not left blank (a blank reads as missing data).
  if (!given) return [NO_ANSWER, 'no', 0];
  const correct = given.correct === null ? '' : given.correct ? 'yes' : 'no';
  return [given.answer ?? '', correct, given.points ?? ''];
}

/**
 * Return the final standings as CSV text (the host's download).
 *
 * With `questions`, each played question adds three columns per player from the
 * standings' `answers` (host view), headed by the question itself ("Q1: Choose
 * the synonym of 'begin'", "Q1 correct", "Q1 points"): the answer given,
 * whether it was correct, the points; a player who did not answer reads
 * "no answer", "no", 0. Questions never played (finished early) are left out.
 */
export function resultsCsv(rows: ResultRow[], questions: QuestionStats[] = []): string {
  const header: Cell[] = ['rank', 'user_id', 'display_name', 'score', 'correct_count'];
  const played = rows.some((row) => row.answers)
    ? questions.filter((question) => question.played !== false && question.question_id)
    : [];
  played.forEach((question, position) => {
    const number = `Q${(question.index ?? position) + 1}`;
    header.push(question.prompt ? `${number}: ${question.prompt}` : number, `${number} correct`, `${number} points`);
  });
  return toCsv([
    header,
    ...rows.map((row) => [
      row.rank,
      row.user_id,
      row.display_name,
      row.score,
      row.correct_count,
      ...played.flatMap((question) => answerCells(row.answers?.[question.question_id])),
    ]),
  ]);
}

/** Return a Blob of CSV text, with a BOM so spreadsheets read UTF-8 names. */
export function csvBlob(text: string): Blob {
  return new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' });
}
