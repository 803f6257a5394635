import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { BACKDROP_GRACE_MS, ConfirmDialog } from './ConfirmDialog';

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
});
