import { useEffect, useRef, type MouseEvent, type RefObject } from 'react';

/** How the host pressed a × : with a mouse, a finger or a pen, or from the keyboard. */
export interface RemoveIntent {
  pointer: boolean;
}

/**
 * Whether a click came from a pointer (mouse, touch, pen) rather than from
 * Enter or Space on a focused button: a keyboard's click has no pointer type
 * (where the browser says one) and no click count.
 */
export function clickedWithPointer(event: MouseEvent): boolean {
  const pointerType = (event.nativeEvent as { pointerType?: unknown }).pointerType;
  if (typeof pointerType === 'string' && pointerType !== '') return true;
  return event.detail > 0;
}

export interface RemoveButtonProps {
  /** The player's name, as shown: the button reads "Remove <name>". */
  name: string;
  /** The removal is being sent: pressed once is enough. */
  busy: boolean;
  onRemove: (intent: RemoveIntent) => void;
}

/** The host's small × beside a player's name; it asks before removing. */
export function RemoveButton({ name, busy, onRemove }: RemoveButtonProps) {
  const label = `Remove ${name}`;
  return (
    <button
      type="button"
      className="remove-button"
      data-testid="remove-participant"
      aria-label={label}
      title={label}
      disabled={busy}
      aria-busy={busy || undefined}
      onClick={(event) => onRemove({ pointer: clickedWithPointer(event) })}
    >
      <span aria-hidden="true">×</span>
    </button>
  );
}

/**
 * Keep the keyboard's place among a list's remove buttons. The button pressed
 * is disabled while its removal is sent and then goes with its player, and
 * the confirmation dialog that had the focus goes too: the focus would fall
 * to the page. It comes back to the button now in that place (the next
 * player's), or to the same one when the removal failed.
 *
 * Only while `enabled`: the host screen keeps this for removals started from
 * the keyboard in the lobby list (and in the players dialog); elsewhere the
 * focus goes to the main action, where Space goes on with the quiz.
 */
export function useRemoveFocus(list: RefObject<HTMLElement | null>, enabled = true): void {
  const place = useRef<number | null>(null);
  const buttons = () =>
    Array.from(list.current?.querySelectorAll<HTMLButtonElement>('.remove-button') ?? []);

  useEffect(() => {
    const node = list.current;
    if (!node) return;
    const focusIn = (event: FocusEvent) => {
      const index = buttons().indexOf(event.target as HTMLButtonElement);
      place.current = index >= 0 ? index : null;
    };
    const focusOut = (event: FocusEvent) => {
      const target = event.target as HTMLButtonElement;
      const to = event.relatedTarget instanceof Element ? event.relatedTarget : null;
      // Focus moved on purpose (another control, or a click on the page beside an
      // enabled button): leave it there. Into the confirmation dialog, it comes back.
      const away = to ? !to.closest('[role="alertdialog"]') : target.isConnected && !target.disabled;
      if (away) place.current = null;
    };
    node.addEventListener('focusin', focusIn);
    node.addEventListener('focusout', focusOut);
    return () => {
      node.removeEventListener('focusin', focusIn);
      node.removeEventListener('focusout', focusOut);
    };
  });

  // After every render: the one that removed the row, re-enabled its button,
  // or closed the dialog of a player removed meanwhile from another screen.
  useEffect(() => {
    const lost = document.activeElement === document.body || document.activeElement === null;
    if (!enabled || !lost || place.current === null) return;
    // Not from behind a modal dialog open over this list (the topmost has the keyboard).
    const modal = Array.from(document.querySelectorAll('[aria-modal="true"]')).at(-1);
    if (modal && list.current && !modal.contains(list.current)) return;
    const all = buttons();
    if (all.length === 0) {
      place.current = null;
      return;
    }
    const next = all[Math.min(place.current, all.length - 1)];
    if (!next.disabled) next.focus();
  });
}
