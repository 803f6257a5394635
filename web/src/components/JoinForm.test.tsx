import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ClientConfig } from '../api';
import { AuthStore } from '../auth';
import { JoinForm } from './JoinForm';

const config: ClientConfig = {
  profile: 'local',
  dev_auth: true,
  auth0_domain: '',
  auth0_client_id: '',
  auth0_audience: '',
};

function renderForm() {
  const onJoin = vi.fn();
  render(
    <JoinForm
      config={config}
      auth={new AuthStore(sessionStorage)}
      token={null}
      initialCode=""
      onJoin={onJoin}
      onLogin={vi.fn()}
    />,
  );
  return onJoin;
}

describe('JoinForm', () => {
  it('says only that a character is in no quiz ID, not that the length is wrong', async () => {
    const user = userEvent.setup();
    const onJoin = renderForm();
    await user.type(screen.getByTestId('name-input'), 'ann');
    const input = screen.getByTestId('join-code-input');
    await user.click(input);
    // Six characters typed (pasted), two of them in no quiz ID.
    await user.paste('ABCD0O');
    expect(input).toHaveValue('ABCD');
    await user.click(screen.getByTestId('join-button'));

    expect(screen.getByTestId('join-code-hint')).toHaveTextContent('"0" is not in any quiz ID');
    expect(screen.getByTestId('join-error')).toBeEmptyDOMElement();
    // Back to the field, which the hint describes.
    expect(input).toHaveFocus();
    expect(input).toHaveAccessibleDescription(/"0" is not in any quiz ID/);
    expect(onJoin).not.toHaveBeenCalled();
  });

  it('says the length is wrong when every character can be in a quiz ID', async () => {
    const user = userEvent.setup();
    const onJoin = renderForm();
    await user.type(screen.getByTestId('name-input'), 'ann');
    await user.type(screen.getByTestId('join-code-input'), 'ABCD');
    await user.click(screen.getByTestId('join-button'));

    expect(screen.getByTestId('join-error')).toHaveTextContent('A quiz ID has 6 to 8 letters and digits.');
    expect(screen.getByTestId('join-code-hint')).toHaveTextContent('6 to 8 characters');
    expect(onJoin).not.toHaveBeenCalled();
  });
});
