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

/**
 * Whether the page was last used from the keys, outside a text field: Tab,
 * Enter on a button, a choice's letter (a keyboard player). Not after a tap
 * or a click, nor after typing in a text field (a phone's on-screen
 * keyboard too), nor before the page was used at all (a reload).
 */
let lastInputWasKeys = false;

/** Whether a key event's target takes text (what is typed there is no shortcut). */
export function isTextField(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

if (typeof document !== 'undefined') {
  // Capturing: seen before a handler moves the focus or stops the event.
  document.addEventListener('keydown', (event) => (lastInputWasKeys = !isTextField(event.target)), true);
  document.addEventListener('pointerdown', () => (lastInputWasKeys = false), true);
}

/** Whether the last use of the page was a key pressed outside a text field. */
export function usedFromKeys(): boolean {
  return lastInputWasKeys;
}

/**
 * Focus `element` without a focus ring. A browser rings a focus given by a
 * script after a reload or after typing, and a phone's first choice, ringed,
 * looks picked when nobody picked it. `focusVisible: false` keeps the ring
 * off where the browser knows the option; `data-quiet-focus` (styles.css)
 * does elsewhere, until the next key or until the focus moves on (Tab then
 * rings the next choice as usual).
 */
export function focusWithoutRing(element: HTMLElement): void {
  const clear = () => {
    delete element.dataset.quietFocus;
    element.removeEventListener('blur', clear);
    document.removeEventListener('keydown', clear, true);
  };
  element.dataset.quietFocus = '';
  element.focus({ preventScroll: true, focusVisible: false } as FocusOptions);
  if (document.activeElement !== element) {
    clear();
    return;
  }
  element.addEventListener('blur', clear);
  document.addEventListener('keydown', clear, true);
}
