import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { BACKDROP_GRACE_MS, ConfirmDialog } from './ConfirmDialog';

const styles = readFileSync(resolve(__dirname, '../styles.css'), 'utf8');

/** The declarations of the first rule of the stylesheet whose selector is exactly `selector`. */
function rule(selector: string): string {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = new RegExp(`(?:^|\\n)${escaped} \\{([^}]*)\\}`).exec(styles);
  if (!found) throw new Error(`no rule for ${selector}`);
  return found[1];
}

function renderDialog() {
  const onCancel = vi.fn();
  const onConfirm = vi.fn();
  render(
    <ConfirmDialog title="Remove Rude from this quiz?" confirmLabel="Remove" onConfirm={onConfirm} onCancel={onCancel} testId="remove-dialog">
      <p>They will not be able to join again.</p>
    </ConfirmDialog>,
  );
  const backdrop = screen.getByTestId('remove-dialog').parentElement as HTMLElement;
  return { onCancel, onConfirm, backdrop };
}

describe('ConfirmDialog', () => {
  it('ignores a press on the backdrop just after opening (a double click), not one later', async () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const user = userEvent.setup();
    const { onCancel, backdrop } = renderDialog();

    now.mockReturnValue(1_000_000 + BACKDROP_GRACE_MS - 100);
    await user.click(backdrop);
    expect(onCancel).not.toHaveBeenCalled();

    now.mockReturnValue(1_000_000 + BACKDROP_GRACE_MS + 100);
    await user.click(backdrop);
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it('does not close on a press that started inside the dialog and ended outside', () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const { onCancel, backdrop } = renderDialog();
    now.mockReturnValue(1_000_000 + BACKDROP_GRACE_MS * 3);

    // Selecting the title's text and letting go beside the dialog.
    fireEvent.mouseDown(screen.getByText('Remove Rude from this quiz?'));
    fireEvent.click(backdrop);
    expect(onCancel).not.toHaveBeenCalled();
    // A click inside the dialog is no click outside either.
    fireEvent.mouseDown(backdrop);
    fireEvent.click(screen.getByText('They will not be able to join again.'));
    expect(onCancel).not.toHaveBeenCalled();
  });

  it('still cancels at once on Escape and on Cancel', async () => {
    const user = userEvent.setup();
    const first = renderDialog();
    expect(screen.getByTestId('remove-dialog-cancel')).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(first.onCancel).toHaveBeenCalledTimes(1);

    await user.click(screen.getByTestId('remove-dialog-cancel'));
    expect(first.onCancel).toHaveBeenCalledTimes(2);
    expect(first.onConfirm).not.toHaveBeenCalled();
  });

  it('scrolls a long title and text within the screen, with the buttons outside the scroll', () => {
    render(
      <ConfirmDialog
        title={`Replace your unsaved draft with a copy of ${'Extraordinarily long title '.repeat(7)}?`}
        confirmLabel="Replace the draft"
        onConfirm={vi.fn()}
        onCancel={vi.fn()}
        testId="quiz-replace-dialog"
      >
        <p>The quiz you were writing and have not saved will be lost.</p>
      </ConfirmDialog>,
    );
    const scroll = screen.getByTestId('quiz-replace-dialog-scroll');
    expect(scroll).toContainElement(screen.getByRole('heading', { name: /Replace your unsaved draft/ }));
    expect(scroll).toContainElement(screen.getByText(/will be lost/));
    expect(scroll).not.toContainElement(screen.getByTestId('quiz-replace-dialog-confirm'));
    expect(scroll).not.toContainElement(screen.getByTestId('quiz-replace-dialog-cancel'));
    expect(screen.getByTestId('quiz-replace-dialog')).toContainElement(scroll);

    // The dialog is held within the viewport, its title and text scroll, its buttons do not shrink.
    expect(rule('.dialog')).toMatch(/max-height: calc\(100dvh - 2rem\)/);
    expect(rule('.dialog')).toMatch(/display: flex;\s*flex-direction: column/);
    expect(rule('.dialog-scroll')).toMatch(/overflow-y: auto/);
    expect(rule('.dialog-scroll')).toMatch(/flex: 0 1 auto/);
    expect(rule('.dialog-actions')).toMatch(/flex: none/);
    // The players dialog keeps its own cap, over the generic one.
    expect(rule('.dialog.players-dialog')).toMatch(/max-height: min\(40rem, calc\(100dvh - 2rem\)\)/);
  });
});
