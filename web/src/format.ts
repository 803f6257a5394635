/** Small display helpers. */

import { ApiError } from './api';

/**
 * Format a score (or points) for display: the one format of every score on screen.
 *
 * Plain digits, no thousands separators ("6000", never "6,000"): the same text
 * in every locale, equal to the API's integer, so the score bar, leaderboard,
 * podium and results always read alike.
 */
export function formatScore(score: number | null | undefined): string {
  return typeof score === 'number' && Number.isFinite(score) ? String(Math.round(score)) : '–';
}

/** A score with its unit: "0 points", "1 point", "950 points". */
export function formatPoints(score: number | null | undefined): string {
  const shown = formatScore(score);
  return `${shown} ${shown === '1' ? 'point' : 'points'}`;
}

/** Format a rank, or a dash when unknown. */
export function formatRank(rank: number | null | undefined): string {
  return typeof rank === 'number' ? String(rank) : '–';
}

/** Format a share in [0, 1] as a whole percentage. */
export function formatPercent(share: number | null | undefined): string {
  return typeof share === 'number' ? `${Math.round(share * 100)} %` : '–';
}

/** Ordinal suffix for podium places: 1st, 2nd, 3rd, 4th… */
export function ordinal(rank: number): string {
  const tens = rank % 100;
  if (tens >= 11 && tens <= 13) return `${rank}th`;
  return `${rank}${{ 1: 'st', 2: 'nd', 3: 'rd' }[rank % 10] ?? 'th'}`;
}

const MESSAGES: Record<string, string> = {
  session_not_found: 'No quiz with this ID is running. Check the code and try again.',
  not_found: 'Not found. Check the quiz ID.',
  quiz_not_found: 'That quiz does not exist any more.',
  session_finished: 'This quiz has already finished.',
  session_locked: 'This quiz is locked. Ask your teacher to let you in.',
  session_not_running: 'The quiz is not running.',
  question_closed: 'Too late: the question had closed before your answer arrived.',
  question_not_open: 'This question is not open.',
  already_answered: 'You already answered this question.',
  not_participant: 'You have not joined this quiz.',
  forbidden: 'You are not allowed to do that. Only the host controls a quiz.',
  unauthorized: 'Your sign-in has expired. Please sign in again.',
  rate_limited: 'Too many requests. Please wait a moment.',
  unavailable: 'The server is busy. Please try again shortly.',
  invalid_request: 'The server did not accept that.',
  payload_too_large: 'That answer is too long.',
  network: 'Could not reach the server. Check your connection.',
};

/** Turn an error (API problem, network failure) into a sentence for people. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const known = MESSAGES[error.code];
    if (error.code === 'invalid_request' && error.detail) return `${known} ${error.detail}`;
    return known ?? (error.detail || error.title || `Request failed (${error.status}).`);
  }
  if (error instanceof TypeError) return MESSAGES.network;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Why removing a player failed, for the host: the problem's own detail when
 * the server gives one (the generic sentences of {@link describeError} would
 * mislead here: a 404 is about the player, not the quiz ID).
 */
export function describeRemovalError(error: unknown, name: string): string {
  let why: string;
  if (error instanceof ApiError && error.detail) why = error.detail;
  else if (error instanceof ApiError && error.code === 'not_found') why = `${name} is not in this quiz.`;
  else if (error instanceof ApiError && error.code === 'forbidden') why = 'only the host can remove players.';
  else why = describeError(error);
  return `Could not remove ${name}: ${why}`;
}

/**
 * Why an action on a saved quiz (deleting it, opening a copy to correct)
 * failed: the problem's own detail when the server gives one (the generic
 * sentence of {@link describeError} for `forbidden` is about hosting).
 */
export function describeQuizError(error: unknown, doing: string): string {
  let why: string;
  if (error instanceof ApiError && error.detail) why = error.detail;
  else if (error instanceof ApiError && error.code === 'forbidden') why = 'only its author may do that.';
  else why = describeError(error);
  return `Could not ${doing}: ${why}`;
}

/** Whether a refused join says the host removed this player (they may not come back). */
export function isRemovedByHost(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status === 403 &&
    error.code === 'forbidden' &&
    /\bremoved\b/i.test(error.detail)
  );
}

/** Whether a refused join says the host locked the quiz to newcomers (they may try again later). */
export function isLockedOut(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'session_locked';
}

/** Message for an error code (live-channel errors carry only the code). */
export function describeCode(code: string, detail = ''): string {
  return MESSAGES[code] ?? (detail || code);
}

/**
 * Why the server refused this player's answer. One that came too late is
 * named: tapped offline, it may have been sent long after, and the player
 * has moved on.
 */
export function describeRefusedAnswer(code: string, detail: string, answer: string): string {
  if (code === 'question_closed' && answer) {
    return `Too late for your answer “${answer}”: the question had closed before it arrived.`;
  }
  return describeCode(code, detail);
}

/**
 * Characters that show nothing on their own (format characters such as
 * zero-width spaces and direction marks, variation selectors, blank
 * fillers): the server's rule for names, so a name of only these is refused
 * here before it is sent.
 */
const SHOWS_SOMETHING =
  /[^\s\x00-\x1f\x7f-\x9f\u00ad\u0300-\u036f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20d0-\u20ff\u2800\u3164\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\uffa0]/u;

const CONTROL = /[\x00-\x1f\x7f-\x9f]/u;

/** True when some character of the text shows on screen, and none is a control. */
export function hasVisibleText(text: string): boolean {
  // And, as the server, no control character anywhere.
  return SHOWS_SOMETHING.test(text) && !CONTROL.test(text);
}
