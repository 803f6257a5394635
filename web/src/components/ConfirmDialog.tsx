import { useEffect, useId, useRef, type MouseEvent } from 'react';

/**
 * How long after a dialog opens a press on its backdrop is still taken for
 * the end of the gesture that opened it (the second click of a double click
 * on the button, a touch that lands twice), not a wish to close it.
 */
export const BACKDROP_GRACE_MS = 400;

/**
 * The backdrop's handlers of a modal dialog: a click outside the dialog
 * closes it, only when both the press and the release of that click were on
 * the backdrop (not a text selection dragged out of the dialog) and the press
 * came at least {@link BACKDROP_GRACE_MS} after the dialog opened.
 */
export function useBackdropDismiss(onDismiss: () => void) {
  const openedAt = useRef<number | null>(null);
  const pressed = useRef(false);
  useEffect(() => {
    openedAt.current = Date.now();
  }, []);
  return {
    onMouseDown: (event: MouseEvent<HTMLElement>) => {
      const since = openedAt.current === null ? 0 : Date.now() - openedAt.current;
      pressed.current = event.target === event.currentTarget && since >= BACKDROP_GRACE_MS;
    },
    onClick: (event: MouseEvent<HTMLElement>) => {
      const outside = pressed.current && event.target === event.currentTarget;
      pressed.current = false;
      if (outside) onDismiss();
    },
  };
}

export interface ConfirmDialogProps {
  /** The question asked (a player's name in it isolated with <bdi>). */
  title: React.ReactNode;
  children: React.ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}

/**
 * Keep Tab (and Shift+Tab) among the `selector` controls of a modal `box`:
 * from the last to the first and back, and into the box from outside.
 */
export function keepTabInside(event: KeyboardEvent, box: HTMLElement, selector: string): void {
  const focusable = Array.from(box.querySelectorAll<HTMLElement>(selector));
  if (focusable.length === 0) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!box.contains(document.activeElement)) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  } else if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * A modal confirmation: focus moves to "Cancel" (the safe choice), Escape and a
 * click outside cancel (not the second click of a double click that opened it:
 * see {@link useBackdropDismiss}), Tab stays inside. It never outgrows the
 * screen: a long title and text scroll, the buttons stay below them in reach.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  cancelLabel = 'Cancel',
  onConfirm,
  onCancel,
  testId = 'confirm-dialog',
}: ConfirmDialogProps) {
  const titleId = useId();
  const bodyId = useId();
  const box = useRef<HTMLDivElement | null>(null);
  const cancel = useRef<HTMLButtonElement | null>(null);
  const backdrop = useBackdropDismiss(onCancel);

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    cancel.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onCancel();
        return;
      }
      if (event.key !== 'Tab' || !box.current) return;
      keepTabInside(event, box.current, 'button');
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
  }, [onCancel]);

  return (
    <div className="dialog-backdrop" {...backdrop}>
      <div
        ref={box}
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={bodyId}
        data-testid={testId}
      >
        {/* Title and text scroll within the screen; the buttons stay in reach below. */}
        <div className="dialog-scroll" data-testid={`${testId}-scroll`}>
          <h2 id={titleId}>{title}</h2>
          <div id={bodyId} className="dialog-body">
            {children}
          </div>
        </div>
        <div className="dialog-actions">
          <button
            ref={cancel}
            type="button"
            className="button secondary"
            data-testid={`${testId}-cancel`}
            onClick={onCancel}
          >
            {cancelLabel}
          </button>
          <button
            type="button"
            className="button danger"
            data-testid={`${testId}-confirm`}
            onClick={onConfirm}
          >
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
