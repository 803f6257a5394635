import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type SessionInfo } from '../api';
import { FakeSocket } from '../test/fakeSocket';
import { HostPanel } from './HostPanel';

function session(extra: Partial<SessionInfo> = {}): SessionInfo {
  return {
    session_id: 'K7PQ2M',
    quiz_id: 'verbs',
    title: 'Everyday verbs',
    mode: 'live',
    status: 'lobby',
    host_id: 'u-host',
    participant_count: 0,
    question_index: null,
    question_count: 8,
    current_question: null,
    server_time: new Date().toISOString(),
    ...extra,
  };
}

const firstQuestionOpen = (): Partial<SessionInfo> => ({
  status: 'running',
  question_index: 0,
  current_question: {
    question_id: 'q1',
    index: 0,
    prompt: "Choose the synonym of 'begin'",
    kind: 'choice',
    choices: ['start', 'finish', 'stay', 'hold'],
    opens_at: new Date().toISOString(),
    closes_at: new Date(Date.now() + 20_000).toISOString(),
  },
});

/** The host screen of K7PQ2M as the server tells it; returns the API's stand-in. */
function renderPanel(info: SessionInfo, removeParticipant = vi.fn(async (_session: string, _user: string) => undefined)) {
  const api = {
    getSession: vi.fn(async () => ({ session: info, offsetMs: 0 })),
    start: vi.fn(async () => undefined),
    finish: vi.fn(async () => undefined),
    removeParticipant,
    getQuiz: vi.fn(async () => {
      throw new Error('not needed here');
    }),
  };
  render(
    <HostPanel
      sessionId="K7PQ2M"
      deps={{
        api: api as unknown as ApiClient,
        freshToken: async () => 'jwt-host',
        WebSocket: FakeSocket,
        location: { protocol: 'http:', host: 'localhost' },
      }}
      origin="http://192.168.1.20:8000"
      pathname="/"
      userId="u-host"
      onNewSession={vi.fn()}
      onUnauthorized={vi.fn()}
    />,
  );
  return api;
}

beforeEach(() => {
  FakeSocket.reset();
});

/** Players join the lobby one after the other, as the host's live socket hears it. */
async function playersJoin(...players: [userId: string, name: string][]) {
  await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
  act(() => {
    FakeSocket.last().open();
    players.forEach(([userId, name], index) =>
      FakeSocket.last().receive({
        type: 'participant.joined',
        seq: index + 1,
        user_id: userId,
        display_name: name,
        participant_count: index + 1,
      }),
    );
  });
}

/** Ann joins the lobby. */
const annJoins = () => playersJoin(['u-ann', 'ann']);

describe('HostPanel finishing', () => {
  it('counts the open question as played, as the results will', async () => {
    const user = userEvent.setup();
    renderPanel(session({ participant_count: 3, ...firstQuestionOpen() }));
    expect(await screen.findByTestId('question-prompt')).toHaveTextContent('begin');

    await user.click(screen.getByTestId('host-finish'));
    expect(screen.getByTestId('finish-dialog')).toHaveTextContent(
      '7 questions will be marked as not played',
    );
  });

  it('marks no question as not played in a self-paced quiz', async () => {
    const user = userEvent.setup();
    renderPanel(session({ mode: 'self_paced', status: 'running', participant_count: 3 }));
    await user.click(await screen.findByTestId('host-finish'));
    expect(screen.getByTestId('finish-dialog')).toHaveTextContent('shows the final results.');
    expect(screen.getByTestId('finish-dialog')).not.toHaveTextContent('not played');
  });
});

describe('HostPanel starting', () => {
  it('asks before starting with nobody in the lobby', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session());
    await user.click(await screen.findByTestId('host-start'));

    const dialog = screen.getByTestId('start-dialog');
    expect(dialog).toHaveTextContent('Nobody has joined yet. Start anyway?');
    // The safe choice has the focus.
    expect(screen.getByTestId('start-dialog-cancel')).toHaveTextContent('Wait for players');
    expect(screen.getByTestId('start-dialog-cancel')).toHaveFocus();
    await user.click(screen.getByTestId('start-dialog-cancel'));
    expect(screen.queryByTestId('start-dialog')).toBeNull();
    expect(api.start).not.toHaveBeenCalled();

    await user.click(screen.getByTestId('host-start'));
    await user.click(screen.getByTestId('start-dialog-confirm'));
    expect(screen.queryByTestId('start-dialog')).toBeNull();
    await waitFor(() => expect(api.start).toHaveBeenCalledTimes(1));
  });

  it('starts at once with a player in the lobby', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session({ participant_count: 1 }));
    await user.click(await screen.findByTestId('host-start'));
    expect(screen.queryByTestId('start-dialog')).toBeNull();
    await waitFor(() => expect(api.start).toHaveBeenCalledTimes(1));
  });

  it('leaves no focus where Space would start the quiz once the dialog closes', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session());
    const start = await screen.findByTestId('host-start');
    start.focus();
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('start-dialog')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('start-dialog')).toBeNull();
    expect(start).not.toHaveFocus();

    // A player joins: Space still never starts the quiz from the lobby.
    await annJoins();
    await user.keyboard(' ');
    expect(api.start).not.toHaveBeenCalled();
  });

  it('closes the dialog by itself when somebody joins meanwhile', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session());
    await user.click(await screen.findByTestId('host-start'));
    expect(screen.getByTestId('start-dialog')).toBeInTheDocument();

    await annJoins();
    expect(screen.queryByTestId('start-dialog')).toBeNull();
    expect(screen.getByTestId('participant-count')).toHaveTextContent('1');
    expect(api.start).not.toHaveBeenCalled();
  });
});

describe('HostPanel answer count', () => {
  it('stops counting a player who left for good in "N of M answered"', async () => {
    renderPanel(session({ ...firstQuestionOpen(), participant_count: 3 }));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => socket.open());
    expect(await screen.findByText(/of 3 answered/)).toBeInTheDocument();

    // One of the three closed the tab for good: the server's board says two are here.
    act(() =>
      socket.receive({
        type: 'leaderboard.updated',
        seq: 5,
        version: 2,
        participant_count: 3,
        present_count: 2,
        entries: [],
        me: null,
        answer_counts: { q1: 1 },
      }),
    );
    expect(screen.getByText(/of 2 answered/)).toBeInTheDocument();
    expect(screen.getByTestId('host-answer-count')).toHaveTextContent('1');
  });
});

/** Ann and Rude in the lobby. */
const twoJoin = () => playersJoin(['u-ann', 'ann'], ['u-rude', 'Rude']);

/** A promise the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<undefined>((yes, no) => {
    resolve = () => yes(undefined);
    reject = no;
  });
  return { promise, resolve, reject };
}

describe('HostPanel removing a player', () => {
  it('removes a player from the lobby after the host confirms, from the keyboard', async () => {
    const user = userEvent.setup();
    const sent = deferred();
    const removeParticipant = vi.fn((_session: string, _user: string) => sent.promise);
    renderPanel(session(), removeParticipant);
    await twoJoin();

    const remove = screen.getByRole('button', { name: 'Remove Rude' });
    remove.focus();
    await user.keyboard('{Enter}');
    const dialog = screen.getByTestId('remove-dialog');
    expect(dialog).toHaveTextContent('Remove Rude from this quiz?');
    expect(dialog).toHaveTextContent('They will not be able to join again.');
    expect(screen.getByTestId('remove-dialog-cancel')).toHaveTextContent('Cancel');
    expect(screen.getByTestId('remove-dialog-confirm')).toHaveTextContent('Remove');
    expect(removeParticipant).not.toHaveBeenCalled();

    await user.click(screen.getByTestId('remove-dialog-confirm'));
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    expect(removeParticipant).toHaveBeenCalledWith('K7PQ2M', 'u-rude');
    // Pressed once is enough: disabled while the request is out.
    expect(screen.getByRole('button', { name: 'Remove Rude' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Remove ann' })).toBeEnabled();

    await act(async () => sent.resolve());
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove Rude' })).toBeNull());
    expect(screen.getAllByTestId('lobby-participant').map((chip) => chip.dataset.userId)).toEqual(['u-ann']);
    expect(screen.getByTestId('participant-count')).toHaveTextContent('1');
    expect(removeParticipant).toHaveBeenCalledTimes(1);
    // The keyboard keeps its place: on the next name's control, not lost to the page.
    expect(screen.getByRole('button', { name: 'Remove ann' })).toHaveFocus();
  });

  it('does not remove anyone when the host cancels', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session());
    await twoJoin();

    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-cancel'));
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('remove-dialog')).toBeNull();

    expect(api.removeParticipant).not.toHaveBeenCalled();
    expect(screen.getAllByTestId('lobby-participant')).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Remove Rude' })).toHaveFocus();
  });

  it("shows the problem's detail when the removal is refused, and keeps the player", async () => {
    const user = userEvent.setup();
    const removeParticipant = vi.fn(async (_session: string, _user: string): Promise<undefined> => {
      throw new ApiError(409, 'session_finished', 'Conflict', 'session K7PQ2M is finished');
    });
    renderPanel(session(), removeParticipant);
    await twoJoin();

    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not remove Rude: session K7PQ2M is finished',
    );
    expect(screen.getByRole('button', { name: 'Remove Rude' })).toBeEnabled();
    expect(screen.getAllByTestId('lobby-participant')).toHaveLength(2);
  });

  it('drops a player another screen removed when participant.removed arrives', async () => {
    renderPanel(session());
    await twoJoin();
    act(() =>
      FakeSocket.last().receive({
        type: 'participant.removed',
        seq: 3,
        user_id: 'u-rude',
        display_name: 'Rude',
        participant_count: 1,
      }),
    );
    expect(screen.getAllByTestId('lobby-participant').map((chip) => chip.dataset.userId)).toEqual(['u-ann']);
    expect(screen.getByTestId('participant-count')).toHaveTextContent('1');
  });

  it("offers the control on the reveal's leaderboard too", async () => {
    const user = userEvent.setup();
    const api = renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => {
      socket.open();
      socket.receive({
        type: 'question.closed',
        seq: 4,
        question_id: 'q1',
        correct_answer: 'start',
        closed_at: new Date().toISOString(),
      });
      socket.receive({
        type: 'leaderboard.updated',
        seq: 5,
        version: 2,
        participant_count: 2,
        entries: [
          { rank: 1, user_id: 'u-rude', display_name: 'Rude', score: 900 },
          { rank: 2, user_id: 'u-ann', display_name: 'ann', score: 0 },
        ],
      });
    });

    await user.click(await screen.findByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    await waitFor(() => expect(api.removeParticipant).toHaveBeenCalledWith('K7PQ2M', 'u-rude'));
    await waitFor(() =>
      expect(screen.getAllByTestId('leaderboard-row').map((row) => row.dataset.userId)).toEqual(['u-ann']),
    );
  });
});
