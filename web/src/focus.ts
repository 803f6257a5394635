/**
 * Whether the keyboard focus is adrift: on the page itself, or on a control
 * that can no longer hold it (disabled, or gone from the page), as when the
 * answer tiles are replaced by the result. Only then does a new question or
 * a result take the focus: never from someone typing or working elsewhere.
 */
export function focusIsAdrift(): boolean {
  const active = document.activeElement;
  if (!active || active === document.body || !active.isConnected) return true;
  return active instanceof HTMLButtonElement && active.disabled;
}
