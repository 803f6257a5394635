import { useEffect, useRef, type RefObject } from 'react';

export interface RemoveButtonProps {
  /** The player's name, as shown: the button reads "Remove <name>". */
  name: string;
  /** The removal is being sent: pressed once is enough. */
  busy: boolean;
  onRemove: () => void;
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
      onClick={onRemove}
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
 * `changes` are the values whose change may have removed or re-enabled one.
 */
export function useRemoveFocus(list: RefObject<HTMLElement | null>, changes: unknown[]): void {
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

  useEffect(() => {
    const lost = document.activeElement === document.body || document.activeElement === null;
    if (!lost || place.current === null) return;
    const all = buttons();
    const next = all[Math.min(place.current, all.length - 1)];
    if (next && !next.disabled) next.focus();
  }, changes);
}
