/**
 * Quiz IDs (session ids): 6 to 8 characters from an unambiguous upper-case
 * alphabet without 0, O, 1 and I.
 */

export const JOIN_CODE_MIN = 6;
export const JOIN_CODE_MAX = 8;

const ALLOWED = /[A-HJ-NP-Z2-9]/;
const VALID = /^[A-HJ-NP-Z2-9]{6,8}$/;

/**
 * Normalise what a person typed into a quiz ID.
 *
 * Upper-cases, drops spaces, dashes and characters that no quiz ID contains,
 * and keeps at most the maximum length. A pasted join link gives its ID.
 */
export function normaliseJoinCode(input: string): string {
  // A pasted join link carries the ID in its query.
  const link = /[?&]join=([^&#\s]*)/i.exec(input);
  if (link) input = link[1];
  let code = '';
  for (const char of input.normalize('NFKC').toUpperCase()) {
    if (ALLOWED.test(char)) code += char;
    if (code.length >= JOIN_CODE_MAX) break;
  }
  return code;
}

/**
 * Return the first character typed that looks like part of a quiz ID but can
 * be none (O, I, 0, 1, which the alphabet leaves out), or null. A pasted
 * join link is never faulted for the letters of its address.
 */
export function ambiguousIn(input: string): string | null {
  // Only what is typed as a code: not a link, not a sentence around one.
  const compact = input.normalize('NFKC').replace(/[\s-]/g, '');
  if (!/^[A-Za-z0-9]{1,10}$/.test(compact)) return null;
  const found = /[OoIi01]/.exec(compact);
  return found ? found[0] : null;
}

/** Return whether `code` has the shape of a quiz ID. */
export function isValidJoinCode(code: string): boolean {
  return VALID.test(code);
}

/** Build the URL that a QR code sends players to. */
export function joinUrl(origin: string, pathname: string, code: string): string {
  const base = `${origin}${pathname || '/'}`;
  return `${base}?join=${encodeURIComponent(code)}`;
}

/** True when a link opens only on the computer that serves it (a loopback address). */
export function isThisComputerOnly(link: string): boolean {
  let host: string;
  try {
    host = new URL(link).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]';
}

/** Read a quiz ID from the page's `?join=` query parameter. */
export function joinCodeFromSearch(search: string): string {
  const value = new URLSearchParams(search).get('join');
  return value ? normaliseJoinCode(value) : '';
}
