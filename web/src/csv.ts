/** CSV export of final results (RFC 4180, built in the browser). */

import type { ResultRow } from './api';

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

/** Return the final standings as CSV text. */
export function resultsCsv(rows: ResultRow[]): string {
  const header: Cell[] = ['rank', 'user_id', 'display_name', 'score', 'correct_count'];
  return toCsv([
    header,
    ...rows.map((row) => [row.rank, row.user_id, row.display_name, row.score, row.correct_count]),
  ]);
}

/** Return a Blob of CSV text, with a BOM so spreadsheets read UTF-8 names. */
export function csvBlob(text: string): Blob {
  return new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' });
}
