/**
 * The browser's storages, where they can be reached: `sessionStorage` (one
 * tab, survives a reload) and `localStorage` (outlives the tab). Either may
 * be missing or blocked (privacy settings): then null, and what would have
 * been kept lives as long as the page.
 */

export type StoreLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** `sessionStorage`, or null where it cannot be used. */
export function tabStorage(): StoreLike | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

/** `localStorage`, or null where it cannot be used. */
export function deviceStorage(): StoreLike | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
