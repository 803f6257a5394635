import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ClientConfig } from '../api';
import { AuthStore, type StoredToken } from '../auth';
import { JoinForm, RETRY_LOCKED_MS } from './JoinForm';

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

describe('JoinForm of a locked quiz', () => {
  const token: StoredToken = {
    kind: 'dev',
    name: 'ann',
    access_token: 'jwt-ann',
    user_id: 'u-ann',
    expires_at: Date.now() + 3_600_000,
  };
  const locked = () => new ApiError(409, 'session_locked', 'Conflict', 'the host locked session K7PQ2M');

  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function renderLocked(retryJoin: (code: string) => Promise<unknown>, signedIn: StoredToken | null = token) {
    const onJoin = vi.fn();
    render(
      <JoinForm
        config={config}
        auth={new AuthStore(sessionStorage)}
        token={signedIn}
        initialCode="K7PQ2M"
        lockedCode="K7PQ2M"
        retryJoin={retryJoin}
        onJoin={onJoin}
        onLogin={vi.fn()}
      />,
    );
    return onJoin;
  }

  it('joins once, by itself, on the first try after the teacher unlocks', async () => {
    const retryJoin = vi
      .fn(async (_code: string): Promise<unknown> => ({}))
      .mockRejectedValueOnce(locked())
      .mockRejectedValueOnce(locked());
    const onJoin = renderLocked(retryJoin);
    expect(screen.getByTestId('join-locked')).toHaveTextContent(
      'This quiz is locked. Ask your teacher to let you in. You will join as soon as they do.',
    );
    expect(screen.getByTestId('join-locked')).toHaveFocus();

    await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS - 1));
    expect(retryJoin).not.toHaveBeenCalled();
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(retryJoin).toHaveBeenCalledWith('K7PQ2M');
    await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS * 2));
    expect(retryJoin).toHaveBeenCalledTimes(3);
    expect(onJoin).toHaveBeenCalledTimes(1);
    expect(onJoin).toHaveBeenCalledWith('K7PQ2M');

    await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS * 5));
    expect(retryJoin).toHaveBeenCalledTimes(3);
    expect(onJoin).toHaveBeenCalledTimes(1);
  });

  it('stops once the name is changed: Join sends the new one', async () => {
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    const retryJoin = vi.fn(async (_code: string): Promise<unknown> => {
      throw locked();
    });
    const onJoin = renderLocked(retryJoin);
    await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS));
    expect(retryJoin).toHaveBeenCalledTimes(1);

    await user.type(screen.getByTestId('name-input'), 'a');
    expect(screen.getByTestId('join-locked')).toHaveTextContent(
      'This quiz is locked. Ask your teacher to let you in, then press Join again.',
    );
    await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS * 3));
    expect(retryJoin).toHaveBeenCalledTimes(1);
    expect(onJoin).not.toHaveBeenCalled();
  });

  it('leaves it to Join when nobody is signed in to try with', async () => {
    const retryJoin = vi.fn(async (_code: string): Promise<unknown> => ({}));
    renderLocked(retryJoin, null);
    expect(screen.getByTestId('join-locked')).toHaveTextContent('then press Join again.');
    await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS * 3));
    expect(retryJoin).not.toHaveBeenCalled();
  });
});
