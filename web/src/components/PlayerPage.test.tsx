import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type Question, type SessionInfo } from '../api';
import { FakeSocket } from '../test/fakeSocket';
import { PlayerPage } from './PlayerPage';

const selfPaced: SessionInfo = {
  session_id: 'K7PQ2M',
  quiz_id: 'verbs',
  title: 'Everyday verbs',
  mode: 'self_paced',
  status: 'running',
  host_id: 'u-host',
  participant_count: 1,
  question_index: null,
  question_count: 1,
  current_question: null,
  server_time: new Date().toISOString(),
};

/** A question served this player whose time has already run out. */
const timedOut: Question = {
  question_id: 'q1',
  index: 0,
  prompt: "Type the English word for 'bonjour'",
  kind: 'text',
  choices: null,
  opens_at: new Date(Date.now() - 20_000).toISOString(),
  closes_at: new Date(Date.now() - 1_000).toISOString(),
};

/** Ann's page of K7PQ2M, on the given API; returns its way back to the start. */
function renderPlayer(api: object) {
  const onLeave = vi.fn();
  render(
    <PlayerPage
      sessionId="K7PQ2M"
      deps={{
        api: api as unknown as ApiClient,
        freshToken: async () => 'jwt-ann',
        WebSocket: FakeSocket,
        location: { protocol: 'http:', host: 'localhost' },
      }}
      onLeave={onLeave}
      onUnauthorized={vi.fn()}
    />,
  );
  return onLeave;
}

beforeEach(() => {
  FakeSocket.reset();
});

describe('PlayerPage in a self-paced quiz', () => {
  it('says the end is reached, not that every question was answered, after letting them time out', async () => {
    const user = userEvent.setup();
    const currentQuestion = vi.fn<() => Promise<Question | null>>();
    currentQuestion.mockResolvedValueOnce(timedOut).mockResolvedValue(null);
    const api = {
      join: vi.fn(async () => ({
        session_id: 'K7PQ2M',
        user_id: 'u-ann',
        display_name: 'ann',
        score: 0,
        rank: null,
      })),
      getSession: vi.fn(async () => ({ session: selfPaced, offsetMs: 0 })),
      currentQuestion,
    };
    renderPlayer(api);

    // Not answered: time ran out, and the player moves on.
    await user.click(await screen.findByTestId('next-question'));
    const end = await screen.findByTestId('all-answered');
    expect(end).toHaveTextContent('You have reached the end of the quiz.');
    expect(end).toHaveTextContent('The results come when the host finishes the quiz.');
    expect(end).not.toHaveTextContent('answered');
  });
});

describe('PlayerPage in a live quiz', () => {
  it('tells a player who had not answered that the host closed the question, not that time was up', async () => {
    const live: SessionInfo = { ...selfPaced, mode: 'live', question_index: 0 };
    const open: Question = {
      ...timedOut,
      kind: 'choice',
      choices: ['start', 'stop'],
      opens_at: new Date().toISOString(),
      closes_at: new Date(Date.now() + 20_000).toISOString(),
    };
    const api = {
      join: vi.fn(async () => ({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: null })),
      getSession: vi.fn(async () => ({ session: live, offsetMs: 0 })),
    };
    renderPlayer(api);
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => {
      socket.open();
      socket.receive({ type: 'session.snapshot', seq: 1, server_time: new Date().toISOString(), session: live });
      socket.receive({ type: 'question.opened', seq: 2, ...open });
    });
    expect(await screen.findByTestId('choice-0')).toBeEnabled();

    // Shown with 19 s still to go.
    act(() =>
      socket.receive({
        type: 'question.closed',
        seq: 3,
        question_id: 'q1',
        correct_answer: 'start',
        closed_at: new Date().toISOString(),
      }),
    );
    expect(await screen.findByTestId('answer-missed')).toHaveTextContent(
      'The host closed this question before you answered.',
    );
  });
});

describe('PlayerPage of a player the host removed', () => {
  const lobby: SessionInfo = { ...selfPaced, mode: 'live', status: 'lobby', participant_count: 2 };
  const open: Question = {
    ...timedOut,
    kind: 'choice',
    choices: ['start', 'stop'],
    opens_at: new Date().toISOString(),
    closes_at: new Date(Date.now() + 20_000).toISOString(),
  };

  function lobbyApi() {
    return {
      join: vi.fn(async () => ({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: null })),
      getSession: vi.fn(async () => ({ session: lobby, offsetMs: 0 })),
      leaderboard: vi.fn(async () => {
        throw new ApiError(403, 'not_participant', 'Forbidden', 'not a participant');
      }),
    };
  }

  /** Ann in the lobby with her live socket open. */
  async function inLobby() {
    const api = lobbyApi();
    const onLeave = renderPlayer(api);
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => {
      socket.open();
      socket.receive({ type: 'session.snapshot', seq: 1, server_time: new Date().toISOString(), session: lobby });
    });
    expect(await screen.findByTestId('lobby')).toBeInTheDocument();
    return { api, onLeave, socket };
  }

  /** Every way the page would open a socket again: none may. */
  async function nothingReopens() {
    act(() => {
      window.dispatchEvent(new Event('online'));
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(FakeSocket.instances).toHaveLength(1);
  }

  it('says so calmly on participant.removed naming them, and shows no further question', async () => {
    const user = userEvent.setup();
    const { onLeave, socket } = await inLobby();

    act(() =>
      socket.receive({ type: 'participant.removed', seq: 2, user_id: 'u-ann', display_name: 'ann', participant_count: 1 }),
    );
    const notice = await screen.findByTestId('player-removed');
    expect(notice).toHaveTextContent('The host removed you from this quiz.');
    expect(screen.queryByTestId('lobby')).toBeNull();
    expect(screen.queryByTestId('player-error')).toBeNull();
    // The page closed its socket itself, for good.
    expect(socket.closedWith?.code).toBe(1000);

    // A question opening afterwards never reaches this screen.
    act(() => socket.receive({ type: 'question.opened', seq: 3, ...open }));
    expect(screen.queryByTestId('question-prompt')).toBeNull();
    expect(screen.queryByTestId('choice-0')).toBeNull();
    await nothingReopens();

    await user.click(screen.getByRole('button', { name: 'Join another quiz' }));
    expect(onLeave).toHaveBeenCalledTimes(1);
  });

  it('keeps playing when somebody else is removed', async () => {
    const { socket } = await inLobby();
    act(() =>
      socket.receive({ type: 'participant.removed', seq: 2, user_id: 'u-rude', display_name: 'Rude', participant_count: 1 }),
    );
    expect(screen.queryByTestId('player-removed')).toBeNull();
    expect(screen.getByTestId('participant-count')).toHaveTextContent('1');
  });

  it('says so on the close 4403 "removed by the host", and does not reconnect', async () => {
    const { socket } = await inLobby();
    act(() => socket.drop(4403, 'removed by the host'));
    expect(await screen.findByTestId('player-removed')).toHaveTextContent(
      'The host removed you from this quiz.',
    );
    await nothingReopens();
  });

  it('shows the usual disconnection for another 4403 close', async () => {
    const { socket } = await inLobby();
    act(() => socket.drop(4403, 'not a participant'));
    expect(await screen.findByTestId('connection-status')).toHaveAttribute('data-status', 'failed');
    expect(screen.queryByTestId('player-removed')).toBeNull();
  });

  it('says so when a reload tries to join again and the server refuses', async () => {
    const api = {
      join: vi.fn(async () => {
        throw new ApiError(403, 'forbidden', 'Forbidden', 'the host removed you from this session');
      }),
      getSession: vi.fn(),
    };
    renderPlayer(api);
    expect(await screen.findByTestId('player-removed')).toHaveTextContent(
      'The host removed you from this quiz.',
    );
    expect(screen.queryByTestId('player-error')).toBeNull();
    expect(api.getSession).not.toHaveBeenCalled();
    expect(FakeSocket.instances).toHaveLength(0);
  });
});
