import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { RemoveButton } from './RemoveButton';

describe('RemoveButton', () => {
  it('tells a press with the mouse from one with the keyboard', async () => {
    const user = userEvent.setup();
    const onRemove = vi.fn();
    render(<RemoveButton name="Rude" busy={false} onRemove={onRemove} />);
    const button = screen.getByRole('button', { name: 'Remove Rude' });

    await user.click(button);
    expect(onRemove).toHaveBeenLastCalledWith({ pointer: true });
    button.focus();
    await user.keyboard('{Enter}');
    expect(onRemove).toHaveBeenLastCalledWith({ pointer: false });
    await user.keyboard(' ');
    expect(onRemove).toHaveBeenLastCalledWith({ pointer: false });
    expect(onRemove).toHaveBeenCalledTimes(3);
  });
});
