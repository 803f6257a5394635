import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type SessionInfo } from '../api';
import { FakeSocket } from '../test/fakeSocket';
import { typedResponses, verbsQuiz } from '../test/fixtures';
import { GRACE_MAX_MS, HostPanel, promptClass, SETTLE_MS, unfinishedNote } from './HostPanel';

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
function renderPanel(
  info: SessionInfo,
  removeParticipant = vi.fn(async (_session: string, _user: string) => undefined),
  more: Record<string, unknown> = {},
) {
  const api = {
    getSession: vi.fn(async () => ({ session: info, offsetMs: 0 })),
    start: vi.fn(async () => undefined),
    reveal: vi.fn(async () => undefined),
    next: vi.fn(async () => undefined),
    finish: vi.fn(async () => undefined),
    removeParticipant,
    listParticipants: vi.fn(async (_session: string): Promise<{ user_id: string; display_name: string }[]> => []),
    leaderboard: vi.fn(async () => ({ version: 0, entries: [], me: null })),
    getQuiz: vi.fn(async () => {
      throw new Error('not needed here');
    }),
    ...more,
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

  it('says how many players of a self-paced quiz have not finished yet', async () => {
    const user = userEvent.setup();
    const progress = (done: boolean) => ({
      session_id: 'K7PQ2M',
      question_count: 8,
      done_count: done ? 2 : 1,
      items: [
        { user_id: 'u-ann', display_name: 'Ann', answered: 8, correct: 7, reached: 8, done: true, score: 7000 },
        { user_id: 'u-bo', display_name: 'Bo', answered: 4, correct: 2, reached: 5, done, score: 2000 },
      ],
    });
    const getProgress = vi.fn(async (_session: string) => progress(false));
    renderPanel(session({ mode: 'self_paced', status: 'running', participant_count: 2 }), undefined, {
      getProgress,
    });

    expect(await screen.findByTestId('self-paced-progress')).toHaveTextContent('1 of 2 finished');
    expect(getProgress).toHaveBeenCalledWith('K7PQ2M');
    expect(screen.getAllByTestId('self-paced-student')[0]).toHaveTextContent('Bo5 of 8');
    await user.click(screen.getByTestId('host-finish'));
    expect(screen.getByTestId('finish-dialog-unfinished')).toHaveTextContent(
      '1 of 2 players have not finished yet. Finishing now stops them where they are.',
    );
  });

  it('isolates the names in its dialogs from the text around them', async () => {
    const user = userEvent.setup();
    renderPanel(session({ mode: 'self_paced', status: 'running', participant_count: 1 }));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => {
      FakeSocket.last().open();
      FakeSocket.last().receive({
        type: 'leaderboard.updated',
        seq: 2,
        version: 2,
        participant_count: 1,
        entries: [{ rank: 1, user_id: 'u-sara', display_name: 'שרה 2', score: 950 }],
        answer_counts: {},
      });
    });
    await user.click(screen.getByTestId('host-finish'));
    const leading = within(screen.getByTestId('finish-dialog')).getByText(/Leading now/);
    expect(leading.querySelector('bdi')).toHaveTextContent(/^שרה 2$/);
    await user.click(screen.getByTestId('finish-dialog-cancel'));

    await user.click(screen.getByRole('button', { name: 'Remove שרה 2' }));
    const title = within(screen.getByTestId('remove-dialog')).getByRole('heading');
    expect(title).toHaveTextContent('Remove שרה 2 from this quiz?');
    expect(title.querySelector('bdi')).toHaveTextContent(/^שרה 2$/);
  });

  it('names the leader as the last reveal showed them while a live question is open, never the live board', async () => {
    const user = userEvent.setup();
    const board = (seq: number, entries: [userId: string, name: string, score: number][]) => ({
      type: 'leaderboard.updated',
      seq,
      version: seq,
      participant_count: 2,
      entries: entries.map(([userId, name, score], position) => ({
        rank: position + 1,
        user_id: userId,
        display_name: name,
        score,
      })),
      answer_counts: {},
    });
    const revealed = session({
      status: 'running',
      question_index: 0,
      participant_count: 2,
      last_question: {
        question_id: 'q1',
        index: 0,
        prompt: "Choose the synonym of 'begin'",
        kind: 'choice',
        choices: ['start', 'finish'],
        opens_at: new Date(Date.now() - 30_000).toISOString(),
        closes_at: new Date(Date.now() - 10_000).toISOString(),
        closed_at: new Date(Date.now() - 10_000).toISOString(),
        correct_answer: 'start',
        answer_count: 2,
        correct_count: 1,
        correct_share: 0.5,
        choice_counts: { start: 1, finish: 1 },
      },
    });
    renderPanel(revealed);
    expect(await screen.findByTestId('host-correct-answer')).toHaveTextContent('start');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => {
      FakeSocket.last().open();
      FakeSocket.last().receive(board(2, [['u-ann', 'Ann', 950], ['u-bo', 'Bo', 0]]));
    });
    await user.click(screen.getByTestId('host-finish'));
    expect(screen.getByTestId('finish-dialog-leader')).toHaveTextContent('Leading now: Ann with 950 points.');
    await user.click(screen.getByTestId('finish-dialog-cancel'));

    // Question 2 opens; Bo's quick right answer puts him first on the live board.
    act(() => {
      FakeSocket.last().receive({
        type: 'question.opened',
        seq: 3,
        question_id: 'q2',
        index: 1,
        prompt: "Choose the opposite of 'buy'",
        kind: 'choice',
        choices: ['sell', 'pay'],
        opens_at: new Date().toISOString(),
        closes_at: new Date(Date.now() + 20_000).toISOString(),
      });
      FakeSocket.last().receive(board(4, [['u-bo', 'Bo', 1000], ['u-ann', 'Ann', 950]]));
    });
    expect(await screen.findByTestId('question-prompt')).toHaveTextContent('buy');
    await user.click(screen.getByTestId('host-finish'));
    const dialog = screen.getByTestId('finish-dialog');
    expect(screen.getByTestId('finish-dialog-leader')).toHaveTextContent(
      'Leading after question 1: Ann with 950 points.',
    );
    expect(dialog).not.toHaveTextContent('Bo');
  });

  it('names no leader while a live question is open that this page saw no reveal before', async () => {
    const user = userEvent.setup();
    renderPanel(session({ participant_count: 2, ...firstQuestionOpen(), question_index: 3 }));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => {
      FakeSocket.last().open();
      FakeSocket.last().receive({
        type: 'leaderboard.updated',
        seq: 2,
        version: 2,
        participant_count: 2,
        entries: [{ rank: 1, user_id: 'u-bo', display_name: 'Bo', score: 2750 }],
        answer_counts: {},
      });
    });
    await user.click(await screen.findByTestId('host-finish'));
    expect(screen.getByTestId('finish-dialog')).toBeInTheDocument();
    expect(screen.queryByTestId('finish-dialog-leader')).toBeNull();
  });

  it('says when every player of a self-paced quiz has finished', () => {
    const done = {
      user_id: 'u-ann',
      display_name: 'Ann',
      answered: 8,
      correct: 7,
      reached: 8,
      done: true,
      score: 7000,
      here: true,
    };
    expect(unfinishedNote({ session_id: 'K7PQ2M', question_count: 8, done_count: 1, items: [done] })).toBe(
      'Every player has finished.',
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

describe('HostPanel question on the projector', () => {
  it('gives a long prompt smaller type, at the question and at the reveal', () => {
    expect(promptClass("Choose the synonym of 'begin'")).toBe('stage-prompt');
    const long = 'Which kitchen tool would you use to remove the skin from a potato before boiling it?';
    expect(promptClass(long)).toBe('stage-prompt stage-prompt-long');
    expect(promptClass(long, true)).toBe('stage-prompt stage-prompt-small stage-prompt-long');
  });

  it('marks five or six choices, whose tiles take three rows', async () => {
    const six = firstQuestionOpen();
    renderPanel(
      session({
        participant_count: 3,
        ...six,
        current_question: { ...six.current_question!, choices: ['a', 'b', 'c', 'd', 'e', 'f'] },
      }),
    );
    expect(await screen.findByRole('list', { name: 'Choices' })).toHaveClass('stage-choices', 'stage-choices-many');
    cleanup();
    renderPanel(session({ participant_count: 3, ...firstQuestionOpen() }));
    expect(await screen.findByRole('list', { name: 'Choices' })).not.toHaveClass('stage-choices-many');
  });
});

describe('HostPanel connection pill', () => {
  it('says "Open" to the host of a self-paced quiz, "Live" being the other mode', async () => {
    renderPanel(session({ mode: 'self_paced', status: 'running', participant_count: 1 }));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => FakeSocket.last().open());
    const pill = await screen.findByTestId('connection-status');
    await waitFor(() => expect(pill).toHaveAttribute('data-status', 'open'));
    expect(pill).toHaveTextContent(/^Open$/);
  });

  it('says "Live" in a live quiz', async () => {
    renderPanel(session({ participant_count: 1, ...firstQuestionOpen() }));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => FakeSocket.last().open());
    const pill = await screen.findByTestId('connection-status');
    await waitFor(() => expect(pill).toHaveAttribute('data-status', 'open'));
    expect(pill).toHaveTextContent(/^Live$/);
  });
});

describe('HostPanel finished', () => {
  it('no longer shows the live channel\'s state once the quiz is over', async () => {
    renderPanel(session({ status: 'running', ...firstQuestionOpen() }));
    expect(await screen.findByTestId('connection-status')).toBeInTheDocument();
    cleanup();
    renderPanel(session({ status: 'finished' }), undefined, {
      results: vi.fn(async () => ({ session_id: 'K7PQ2M', standings: [], questions: [] })),
    });
    expect(await screen.findByTestId('host-session-id')).toBeInTheDocument();
    expect(screen.queryByTestId('connection-status')).toBeNull();
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

describe('HostPanel lobby', () => {
  /** `count` players joining one after the other. */
  const classOf = (count: number) =>
    Array.from({ length: count }, (_, index): [string, string] => [`u-${index}`, `Player ${index + 1}`]);

  it('packs the names tighter as the class grows', async () => {
    renderPanel(session());
    await playersJoin(...classOf(12));
    const list = screen.getByRole('list', { name: 'Players' });
    expect(list).toHaveClass('chips-stage', 'chips-roomy');
    act(() =>
      FakeSocket.last().receive({
        type: 'participant.joined',
        seq: 13,
        user_id: 'u-12',
        display_name: 'Player 13',
        participant_count: 13,
      }),
    );
    expect(list).toHaveClass('chips-dense');
    // The names' grid takes more of the projector's width.
    expect(screen.getByTestId('lobby')).toHaveClass('stage-lobby', 'stage-lobby-dense');
  });

  it('scrolls the newest joiner into sight, not under a host removing names from the keyboard', async () => {
    const height = vi.spyOn(HTMLElement.prototype, 'scrollHeight', 'get').mockReturnValue(900);
    try {
      renderPanel(session());
      await playersJoin(...classOf(31));
      const list = screen.getByRole('list', { name: 'Players' });
      expect(list).toHaveClass('chips-packed');
      expect(list.scrollTop).toBe(900);

      list.scrollTop = 0;
      within(list).getAllByRole('button', { name: /^Remove / })[0].focus();
      act(() =>
        FakeSocket.last().receive({
          type: 'participant.joined',
          seq: 32,
          user_id: 'u-31',
          display_name: 'Player 32',
          participant_count: 32,
        }),
      );
      expect(list.scrollTop).toBe(0);
    } finally {
      height.mockRestore();
    }
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

describe('HostPanel counts after a removal', () => {
  /** The host's open question q1 with `players` in the class, all here, `answered` of them answered. */
  async function openWith(players: number, answered: number, present = players) {
    renderPanel(session({ ...firstQuestionOpen(), participant_count: players }));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => {
      socket.open();
      socket.receive({
        type: 'leaderboard.updated',
        seq: 5,
        version: 2,
        participant_count: players,
        present_count: present,
        entries: [],
        answer_counts: { q1: answered },
      });
    });
    expect(await screen.findByText(`of ${present} answered`)).toBeInTheDocument();
    expect(screen.getByTestId('host-answer-count')).toHaveTextContent(String(answered));
    return socket;
  }

  /** The server's frames, as the host's socket hears them after the lobby. */
  const board = (seq: number, players: number, present: number, answered: number) => ({
    type: 'leaderboard.updated',
    seq,
    version: seq - 5,
    participant_count: players,
    present_count: present,
    entries: [],
    answer_counts: { q1: answered },
  });
  const closed = (seq: number, answered: number) => ({
    type: 'question.closed',
    seq,
    question_id: 'q1',
    correct_answer: 'start',
    answer_count: answered,
    closed_at: new Date().toISOString(),
  });

  it("stops counting a removed player's answer to the open question once the board says so", async () => {
    const socket = await openWith(2, 2);
    act(() =>
      socket.receive({ type: 'participant.removed', seq: 6, user_id: 'u-rude', display_name: 'Rude', participant_count: 1 }),
    );
    act(() =>
      socket.receive({
        type: 'leaderboard.updated',
        seq: 7,
        version: 3,
        participant_count: 1,
        present_count: 1,
        entries: [],
        answer_counts: { q1: 1 },
      }),
    );
    expect(screen.getByTestId('host-answer-count')).toHaveTextContent('1');
    expect(screen.getByText('of 1 answered')).toBeInTheDocument();
  });

  it('shows the class left at a reveal that a removal caused, before the board comes', async () => {
    // Four players, three answered; the host removes the fourth, which closes the question.
    const socket = await openWith(4, 3);
    act(() =>
      socket.receive({ type: 'participant.removed', seq: 6, user_id: 'u-dan', display_name: 'Dan', participant_count: 3 }),
    );
    act(() =>
      socket.receive(closed(7, 3)),
    );
    expect(await screen.findByTestId('host-answered-of')).toHaveTextContent('of 3 answered');
    expect(screen.getByTestId('players-button')).toHaveTextContent('Players (3)');
    act(() =>
      socket.receive(board(8, 3, 3, 3)),
    );
    expect(screen.getByTestId('host-answered-of')).toHaveTextContent('of 3 answered');
  });

  it("follows the board's players here down after a removal that closed the question", async () => {
    // Five in the class, one gone for a while (four here), three answered; one here is removed.
    const socket = await openWith(5, 3, 4);
    act(() =>
      socket.receive({ type: 'participant.removed', seq: 6, user_id: 'u-dan', display_name: 'Dan', participant_count: 4 }),
    );
    act(() =>
      socket.receive(closed(7, 3)),
    );
    expect(await screen.findByTestId('host-answered-of')).toHaveTextContent('of 4 answered');
    act(() =>
      socket.receive(board(8, 4, 3, 3)),
    );
    expect(screen.getByTestId('host-answered-of')).toHaveTextContent('of 3 answered');

    // Then it stays the class the question closed on: a player joining is not counted in.
    act(() => {
      socket.receive({ type: 'participant.joined', seq: 9, user_id: 'u-eve', display_name: 'Eve', participant_count: 5 });
      socket.receive({
        type: 'leaderboard.updated',
        seq: 10,
        version: 4,
        participant_count: 5,
        present_count: 4,
        entries: [],
        answer_counts: { q1: 3 },
      });
    });
    expect(screen.getByTestId('host-answered-of')).toHaveTextContent('of 3 answered');
  });

  it("keeps the reveal's class when a phone drops out and comes back online", async () => {
    // Four here when the question closed, three answered; the fourth phone goes
    // offline during the reveal, then reconnects.
    const socket = await openWith(4, 3);
    act(() => socket.receive(closed(6, 3)));
    expect(await screen.findByTestId('host-answered-of')).toHaveTextContent('of 4 answered');
    act(() => socket.receive(board(7, 4, 3, 3)));
    expect(screen.getByTestId('host-answered-of')).toHaveTextContent('of 4 answered');
    act(() => socket.receive(board(8, 4, 4, 3)));
    expect(screen.getByTestId('host-answered-of')).toHaveTextContent('of 4 answered');
  });

  it('lowers the reveal\'s count for a player removed during the reveal', async () => {
    const socket = await openWith(3, 3);
    act(() =>
      socket.receive(closed(6, 3)),
    );
    expect(await screen.findByTestId('host-answered-of')).toHaveTextContent('of 3 answered');
    act(() =>
      socket.receive({ type: 'participant.removed', seq: 7, user_id: 'u-rude', display_name: 'Rude', participant_count: 2 }),
    );
    expect(screen.getByTestId('host-answered-of')).toHaveTextContent('of 2 answered');
    // Never more answers than players, even before the board says so.
    expect(screen.getByTestId('host-answer-count')).toHaveTextContent('2');
    act(() =>
      socket.receive(board(8, 2, 2, 2)),
    );
    expect(screen.getByTestId('host-answer-count')).toHaveTextContent('2');
    expect(screen.getByTestId('host-answered-of')).toHaveTextContent('of 2 answered');
  });

  it("stops counting a removed player's answers in the self-paced bars", async () => {
    renderPanel(session({ mode: 'self_paced', status: 'running', participant_count: 2 }), undefined, {
      getQuiz: vi.fn(async () =>
        verbsQuiz([
          { question_id: 'q1', prompt: 'One', kind: 'choice' },
          { question_id: 'q2', prompt: 'Two', kind: 'choice' },
        ]),
      ),
    });
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    const counts = () => screen.getAllByTestId('self-paced-question').map((bar) => bar.dataset.count);
    act(() => {
      socket.open();
      socket.receive({
        type: 'leaderboard.updated',
        seq: 2,
        version: 2,
        participant_count: 2,
        entries: [],
        answer_counts: { q1: 2, q2: 1 },
      });
    });
    await waitFor(() => expect(counts()).toEqual(['2', '1']));
    act(() => {
      socket.receive({ type: 'participant.removed', seq: 3, user_id: 'u-rude', display_name: 'Rude', participant_count: 1 });
      socket.receive({
        type: 'leaderboard.updated',
        seq: 4,
        version: 3,
        participant_count: 1,
        entries: [],
        answer_counts: { q1: 1, q2: 0 },
      });
    });
    expect(counts()).toEqual(['1', '0']);
    expect(screen.getByTestId('self-paced-done')).toHaveTextContent('0');
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
  it("reads the reveal again after a removal: the chart drops the removed player's answer", async () => {
    const reveal = (answers: number, start: number) =>
      session({
        status: 'running',
        question_index: 0,
        participant_count: answers,
        last_question: {
          question_id: 'q1',
          index: 0,
          prompt: "Choose the synonym of 'begin'",
          kind: 'choice',
          choices: ['start', 'finish'],
          opens_at: new Date(Date.now() - 30_000).toISOString(),
          closes_at: new Date(Date.now() - 10_000).toISOString(),
          closed_at: new Date(Date.now() - 10_000).toISOString(),
          correct_answer: 'start',
          answer_count: answers,
          correct_count: start,
          correct_share: start / answers,
          choice_counts: { start, finish: answers - start },
        },
      });
    const api = renderPanel(reveal(3, 2));
    const bars = async () =>
      (await screen.findAllByTestId('answer-chart-bar')).map((bar) => bar.dataset.count);
    await waitFor(async () => expect(await bars()).toEqual(['2', '1']));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    api.getSession.mockResolvedValue({ session: reveal(2, 1), offsetMs: 0 });

    act(() => {
      FakeSocket.last().open();
      FakeSocket.last().receive({
        type: 'participant.removed',
        seq: 9,
        user_id: 'u-rude',
        display_name: 'Rude',
        participant_count: 2,
      });
    });

    await waitFor(async () => expect(await bars()).toEqual(['1', '1']));
  });

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
    await toTheReveal();

    await user.click(await screen.findByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    await waitFor(() => expect(api.removeParticipant).toHaveBeenCalledWith('K7PQ2M', 'u-rude'));
    await waitFor(() =>
      expect(screen.getAllByTestId('leaderboard-row').map((row) => row.dataset.userId)).toEqual(['u-ann']),
    );
  });
});

/** Rude ahead of ann on a board, each with a × on the host's screen. */
const rudeAndAnn = () => [
  { rank: 1, user_id: 'u-rude', display_name: 'Rude', score: 900 },
  { rank: 2, user_id: 'u-ann', display_name: 'ann', score: 0 },
];

/** A self-paced quiz running, Rude and ann on its leaderboard (each with a ×). */
async function selfPacedWithBoard(more: Record<string, unknown> = {}) {
  const api = renderPanel(session({ mode: 'self_paced', status: 'running', participant_count: 2 }), undefined, more);
  await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
  const entries = rudeAndAnn();
  act(() => {
    FakeSocket.last().open();
    FakeSocket.last().receive({ type: 'leaderboard.updated', seq: 2, version: 2, participant_count: 2, entries });
  });
  return api;
}

/** The live question q1 closes with Rude and ann on the board: the host's reveal. */
async function toTheReveal(entries = rudeAndAnn()) {
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
    socket.receive({ type: 'leaderboard.updated', seq: 5, version: 2, participant_count: entries.length, entries });
  });
  expect(await screen.findByTestId('host-next')).toBeInTheDocument();
  return socket;
}

/** Wait out the main action's settling after a step (its button is disabled meanwhile). */
const settled = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 50));

/** What has the focus, when it is not the page. */
function focused(): Element | null {
  return document.activeElement === document.body ? null : document.activeElement;
}

describe('HostPanel focus after a removal', () => {
  it('puts the focus on "Next question" after a removal at the reveal, so Space goes on', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }));
    await toTheReveal();

    // From the keyboard: the × of the first row, Enter, then "Remove".
    screen.getByRole('button', { name: 'Remove Rude' }).focus();
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('remove-dialog')).toBeInTheDocument();
    await user.keyboard('{Tab}{Enter}');
    expect(api.removeParticipant).toHaveBeenCalledWith('K7PQ2M', 'u-rude');
    await waitFor(() =>
      expect(screen.getAllByTestId('leaderboard-row').map((row) => row.dataset.userId)).toEqual(['u-ann']),
    );

    // Not the next row's × (Space there would ask to remove ann): the main action.
    await waitFor(() => expect(screen.getByTestId('host-next')).toHaveFocus(), { timeout: SETTLE_MS + 1000 });
    expect(screen.getByRole('button', { name: 'Remove ann' })).not.toHaveFocus();
    // It keeps the focus through the second it waits after the reveal (aria-disabled, not disabled).
    await waitFor(() => expect(screen.getByTestId('host-next')).not.toHaveAttribute('aria-disabled'), {
      timeout: SETTLE_MS + 1000,
    });
    await user.keyboard(' ');
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    await waitFor(() => expect(api.next).toHaveBeenCalledTimes(1));
  });

  it('puts the focus on the main action after a removal started with the mouse at the reveal', async () => {
    const user = userEvent.setup();
    renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }));
    await toTheReveal();
    await settled();

    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    expect(screen.getByTestId('host-next')).toHaveFocus();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove Rude' })).toBeNull());
    expect(screen.getByTestId('host-next')).toHaveFocus();
  });

  it('gives the focus back to the × on Escape or Cancel at the reveal', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }));
    await toTheReveal();

    const remove = screen.getByRole('button', { name: 'Remove Rude' });
    remove.focus();
    await user.keyboard('{Enter}');
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    expect(remove).toHaveFocus();

    await user.keyboard('{Enter}');
    await user.click(screen.getByTestId('remove-dialog-cancel'));
    expect(remove).toHaveFocus();
    expect(api.removeParticipant).not.toHaveBeenCalled();
  });

  it('leaves no × focused after a removal from the self-paced leaderboard', async () => {
    const user = userEvent.setup();
    await selfPacedWithBoard();

    screen.getByRole('button', { name: 'Remove Rude' }).focus();
    await user.keyboard('{Enter}');
    await user.keyboard('{Tab}{Enter}');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove Rude' })).toBeNull());
    expect(screen.getByRole('button', { name: 'Remove ann' })).not.toHaveFocus();
    expect(focused()).toBeNull();
  });

  it('leaves the lobby list after a removal started with the mouse', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session());
    await twoJoin();

    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove Rude' })).toBeNull());
    // Not on ann's × (nor on "Start quiz", which Space would press): the page.
    expect(focused()).toBeNull();
    await user.keyboard(' ');
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    expect(api.start).not.toHaveBeenCalled();
  });
});

describe('HostPanel focus after its dialogs', () => {
  it('gives the focus back to "Finish quiz" when a self-paced finish is cancelled, Escape or "Keep playing"', async () => {
    const user = userEvent.setup();
    await selfPacedWithBoard();
    const finish = screen.getByTestId('host-finish');

    finish.focus();
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('finish-dialog-cancel')).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('finish-dialog')).toBeNull();
    expect(finish).toHaveFocus();

    await user.keyboard('{Enter}');
    await user.click(screen.getByTestId('finish-dialog-cancel'));
    expect(finish).toHaveFocus();
  });

  it('gives the focus back to "Players" when the self-paced players dialog closes', async () => {
    const user = userEvent.setup();
    await selfPacedWithBoard();
    const players = screen.getByTestId('players-button');
    players.focus();
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('players-dialog')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('players-dialog')).toBeNull();
    expect(players).toHaveFocus();
  });

  it('gives the focus back to "Finish quiz" in the lobby, where Space starts nothing', async () => {
    const user = userEvent.setup();
    renderPanel(session());
    const finish = await screen.findByTestId('host-finish');
    await user.click(finish);
    await user.keyboard('{Escape}');
    expect(finish).toHaveFocus();
  });
});

describe('HostPanel confirmation of a removal', () => {
  it('ignores the second click of a double click landing on the backdrop', async () => {
    const user = userEvent.setup();
    renderPanel(session());
    await twoJoin();

    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    const backdrop = screen.getByTestId('remove-dialog').parentElement as HTMLElement;
    await user.click(backdrop);
    expect(screen.getByTestId('remove-dialog')).toBeInTheDocument();
  });

  it('closes when another host screen removed that player meanwhile, and says so', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session());
    await playersJoin(['u-ann', 'ann'], ['u-eve', 'Eve']);

    await user.click(screen.getByRole('button', { name: 'Remove Eve' }));
    expect(screen.getByTestId('remove-dialog')).toHaveTextContent('Remove Eve from this quiz?');
    act(() =>
      FakeSocket.last().receive({
        type: 'participant.removed',
        seq: 3,
        user_id: 'u-eve',
        display_name: 'Eve',
        participant_count: 1,
      }),
    );
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    expect(api.removeParticipant).not.toHaveBeenCalled();
    expect(screen.getByTestId('removal-status')).toHaveTextContent('Eve was removed.');
  });

  it('says "Removing Rude…" while it is sent, then "Rude was removed." at the reveal', async () => {
    const user = userEvent.setup();
    const sent = deferred();
    renderPanel(
      session({ participant_count: 2, ...firstQuestionOpen() }),
      vi.fn((_session: string, _user: string) => sent.promise),
    );
    await toTheReveal();

    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    const status = screen.getByTestId('removal-status');
    expect(status).toHaveAttribute('role', 'status');
    expect(status).toHaveTextContent('Removing Rude…');
    expect(status).not.toHaveClass('visually-hidden');

    await act(async () => sent.resolve());
    await waitFor(() => expect(status).toHaveTextContent('Rude was removed.'));
    // Said to screen readers; the name is not put back on the projector.
    expect(status).toHaveClass('visually-hidden');
  });

  it('clears a failed removal once the live channel is back', async () => {
    const user = userEvent.setup();
    const removeParticipant = vi.fn(async (_session: string, _user: string): Promise<undefined> => {
      throw new TypeError('Failed to fetch');
    });
    renderPanel(session(), removeParticipant);
    await twoJoin();

    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not remove Rude: Could not reach the server.');

    act(() => FakeSocket.last().drop(1006));
    act(() => window.dispatchEvent(new Event('online')));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    act(() => FakeSocket.last().open());
    await waitFor(() => expect(screen.getByRole('alert')).toBeEmptyDOMElement());
  });

  it('clears a failed removal on the next one that goes through', async () => {
    const user = userEvent.setup();
    const removeParticipant = vi
      .fn(async (_session: string, _user: string): Promise<undefined> => undefined)
      .mockRejectedValueOnce(new TypeError('Failed to fetch'));
    renderPanel(session(), removeParticipant);
    await twoJoin();

    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not remove Rude');

    await user.click(screen.getByRole('button', { name: 'Remove Rude' }));
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove Rude' })).toBeNull());
    expect(screen.getByRole('alert')).toBeEmptyDOMElement();
  });
});

/** `count` players p1…pN named "Player 1"…, in join order. */
function roster(count: number, names: Record<number, string> = {}) {
  return Array.from({ length: count }, (_, index) => ({
    user_id: `p${index + 1}`,
    display_name: names[index + 1] ?? `Player ${index + 1}`,
  }));
}

describe('HostPanel players dialog', () => {
  it('is offered to the host in the lobby, during a question, at the reveal and in self-paced play', async () => {
    renderPanel(session({ participant_count: 3 }));
    expect(await screen.findByTestId('players-button')).toHaveTextContent('Players (3)');
    cleanup();
    FakeSocket.reset();

    renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }));
    expect(await screen.findByTestId('players-button')).toHaveTextContent('Players (2)');
    await toTheReveal();
    expect(screen.getByTestId('players-button')).toBeInTheDocument();
    cleanup();
    FakeSocket.reset();

    renderPanel(session({ mode: 'self_paced', status: 'running', participant_count: 4 }));
    expect(await screen.findByTestId('players-button')).toHaveTextContent('Players (4)');
    cleanup();
    FakeSocket.reset();

    renderPanel(session({ status: 'finished' }), undefined, {
      results: vi.fn(() => new Promise(() => undefined)),
    });
    expect(await screen.findByText('Loading final results…')).toBeInTheDocument();
    expect(screen.queryByTestId('players-button')).toBeNull();
  });

  it('lists every player from the server, beyond the top rows, and removes one of them', async () => {
    const user = userEvent.setup();
    const players = roster(20, { 17: 'Eve Late' });
    const api = renderPanel(session({ participant_count: 20, ...firstQuestionOpen() }), undefined, {
      listParticipants: vi.fn(async () => players),
    });
    await toTheReveal(
      players.slice(0, 10).map((player, index) => ({ ...player, rank: index + 1, score: 1000 - index * 100 })),
    );
    // The reveal shows the top 8 only.
    expect(screen.getAllByTestId('leaderboard-row')).toHaveLength(8);
    expect(screen.queryByRole('button', { name: 'Remove Eve Late' })).toBeNull();

    await user.click(screen.getByTestId('players-button'));
    const dialog = screen.getByTestId('players-dialog');
    expect(dialog).toHaveAttribute('role', 'dialog');
    expect(api.listParticipants).toHaveBeenCalledWith('K7PQ2M');
    await waitFor(() => expect(within(dialog).getAllByTestId('players-row')).toHaveLength(20));
    expect(within(dialog).getByRole('heading')).toHaveTextContent('Players (20)');
    // Join order, the standing beside those on the board.
    expect(within(dialog).getAllByTestId('players-row')[0]).toHaveTextContent('Player 1');
    expect(within(dialog).getAllByTestId('players-row')[0]).toHaveTextContent('1st · 1000');
    expect(within(dialog).getAllByTestId('remove-participant')).toHaveLength(20);

    await user.click(within(dialog).getByRole('button', { name: 'Remove Eve Late' }));
    expect(screen.getByTestId('remove-dialog')).toHaveTextContent('Remove Eve Late from this quiz?');
    await user.click(screen.getByTestId('remove-dialog-confirm'));
    expect(api.removeParticipant).toHaveBeenCalledWith('K7PQ2M', 'p17');
    await waitFor(() => expect(within(dialog).getAllByTestId('players-row')).toHaveLength(19));
    expect(within(dialog).queryByText('Eve Late')).toBeNull();
    // The list stays open for the next one.
    expect(screen.getByTestId('players-dialog')).toBeInTheDocument();
  });

  it('filters a long list by name, whatever the case or accents', async () => {
    const user = userEvent.setup();
    const players = roster(15, { 3: 'Evelyn', 5: 'Ève', 9: 'STEVE', 12: 'Bo' });
    renderPanel(session({ participant_count: 15 }), undefined, {
      listParticipants: vi.fn(async () => players),
    });
    await user.click(await screen.findByTestId('players-button'));
    const filter = await screen.findByTestId('players-filter');
    // Opened on the filter, ready to type.
    expect(filter).toHaveFocus();
    expect(filter).toHaveAccessibleName('Find a player');

    await user.type(filter, 'eve');
    const rows = within(screen.getByTestId('players-dialog')).getAllByTestId('players-row');
    expect(rows.map((row) => row.dataset.userId)).toEqual(['p3', 'p5', 'p9']);
    expect(screen.getByTestId('players-dialog')).toHaveTextContent('3 of 15 players');

    await user.clear(filter);
    await user.type(filter, 'zz');
    expect(within(screen.getByTestId('players-dialog')).queryAllByTestId('players-row')).toHaveLength(0);
    expect(screen.getByTestId('players-dialog')).toHaveTextContent('No player matches “zz”.');
  });

  it('has no filter for a short list', async () => {
    const user = userEvent.setup();
    renderPanel(session({ participant_count: 12 }), undefined, {
      listParticipants: vi.fn(async () => roster(12)),
    });
    await user.click(await screen.findByTestId('players-button'));
    const dialog = screen.getByTestId('players-dialog');
    await waitFor(() => expect(within(dialog).getAllByTestId('players-row')).toHaveLength(12));
    expect(screen.queryByTestId('players-filter')).toBeNull();
  });

  it('drops a player removed elsewhere and adds one who joins while it is open', async () => {
    const user = userEvent.setup();
    renderPanel(session({ participant_count: 3 }), undefined, {
      listParticipants: vi.fn(async () => roster(3)),
    });
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => FakeSocket.last().open());
    await user.click(await screen.findByTestId('players-button'));
    const dialog = screen.getByTestId('players-dialog');
    await waitFor(() => expect(within(dialog).getAllByTestId('players-row')).toHaveLength(3));

    act(() => {
      FakeSocket.last().receive({ type: 'participant.removed', seq: 2, user_id: 'p2', display_name: 'Player 2', participant_count: 2 });
      FakeSocket.last().receive({ type: 'participant.joined', seq: 3, user_id: 'p4', display_name: 'Dee', participant_count: 3 });
    });
    expect(within(dialog).getAllByTestId('players-row').map((row) => row.dataset.userId)).toEqual(['p1', 'p3', 'p4']);
    expect(within(dialog).getByRole('heading')).toHaveTextContent('Players (3)');
  });

  it('closes on Escape (only the confirmation first) and gives the focus to the main action', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }), undefined, {
      listParticipants: vi.fn(async () => [
        { user_id: 'u-ann', display_name: 'ann' },
        { user_id: 'u-rude', display_name: 'Rude' },
      ]),
    });
    await toTheReveal();
    await settled();

    screen.getByTestId('players-button').focus();
    await user.keyboard('{Enter}');
    const dialog = screen.getByTestId('players-dialog');
    await waitFor(() => expect(within(dialog).getAllByTestId('players-row')).toHaveLength(2));
    // A presenter remote's "next" does not go on with the quiz behind the dialog.
    await user.keyboard('{PageDown}');
    expect(api.next).not.toHaveBeenCalled();
    expect(screen.getByTestId('players-dialog')).toBeInTheDocument();

    const remove = within(dialog).getByRole('button', { name: 'Remove Rude' });
    remove.focus();
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('remove-dialog')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    expect(screen.getByTestId('players-dialog')).toBeInTheDocument();
    expect(remove).toHaveFocus();

    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('players-dialog')).toBeNull();
    expect(screen.getByTestId('host-next')).toHaveFocus();
    expect(api.removeParticipant).not.toHaveBeenCalled();
  });

  it('keeps Tab inside and the focus on the next × after a removal from the keyboard', async () => {
    const user = userEvent.setup();
    renderPanel(session({ participant_count: 3 }), undefined, {
      listParticipants: vi.fn(async () => roster(3)),
    });
    await user.click(await screen.findByTestId('players-button'));
    const dialog = screen.getByTestId('players-dialog');
    await waitFor(() => expect(within(dialog).getAllByTestId('players-row')).toHaveLength(3));
    expect(screen.getByTestId('players-dialog-close')).toHaveFocus();

    // From "Close" Tab goes round to the first ×.
    await user.keyboard('{Tab}');
    expect(within(dialog).getByRole('button', { name: 'Remove Player 1' })).toHaveFocus();
    await user.keyboard('{Enter}');
    await user.keyboard('{Tab}{Enter}');
    await waitFor(() => expect(within(dialog).getAllByTestId('players-row')).toHaveLength(2));
    expect(within(dialog).getByRole('button', { name: 'Remove Player 2' })).toHaveFocus();
  });

  it('says why the list could not be read, and reads it again on Retry', async () => {
    const user = userEvent.setup();
    const listParticipants = vi
      .fn(async (_session: string) => roster(2))
      .mockRejectedValueOnce(new TypeError('Failed to fetch'));
    renderPanel(session({ participant_count: 2 }), undefined, { listParticipants });
    await user.click(await screen.findByTestId('players-button'));
    const dialog = screen.getByTestId('players-dialog');
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Could not load the players: Could not reach the server.',
    );

    await user.click(within(dialog).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(within(dialog).getAllByTestId('players-row')).toHaveLength(2));
    expect(within(dialog).queryByRole('alert')).toBeNull();
    expect(listParticipants).toHaveBeenCalledTimes(2);
  });

  it('closes when the quiz finishes', async () => {
    const user = userEvent.setup();
    renderPanel(session({ participant_count: 1, mode: 'self_paced', status: 'running' }), undefined, {
      listParticipants: vi.fn(async () => roster(1)),
      results: vi.fn(() => new Promise(() => undefined)),
    });
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => FakeSocket.last().open());
    await user.click(await screen.findByTestId('players-button'));
    expect(screen.getByTestId('players-dialog')).toBeInTheDocument();

    act(() => FakeSocket.last().receive({ type: 'session.finished', seq: 2, entries: [] }));
    expect(screen.queryByTestId('players-dialog')).toBeNull();
  });
});

describe("HostPanel at a typed question's reveal", () => {
  const typedOpen = (): Partial<SessionInfo> => ({
    status: 'running',
    question_index: 2,
    participant_count: 4,
    current_question: {
      question_id: 'q3',
      index: 2,
      prompt: "Type the English word for 'bonjour'",
      kind: 'text',
      opens_at: new Date().toISOString(),
      closes_at: new Date(Date.now() + 20_000).toISOString(),
    },
  });
  const closedFrame = (questionId: string, answer: string) => ({
    type: 'question.closed',
    seq: 5,
    question_id: questionId,
    correct_answer: answer,
    answer_count: 4,
    correct_share: 0.5,
    closed_at: new Date().toISOString(),
  });
  const typed = typedResponses({ question_id: 'q3', index: 2 });

  /** The open question closes: the reveal, as the host's socket hears it. */
  async function reveal(frame: Record<string, unknown>) {
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => {
      FakeSocket.last().open();
      FakeSocket.last().receive(frame);
    });
    expect(await screen.findByTestId('host-correct-answer')).toHaveTextContent(String(frame.correct_answer));
  }

  it('lists what the class typed once the question is revealed, not before', async () => {
    const questionResponses = vi.fn(async (_session: string, _question: string) => typed);
    renderPanel(session(typedOpen()), undefined, { questionResponses });
    expect(await screen.findByTestId('question-prompt')).toHaveTextContent('bonjour');
    expect(questionResponses).not.toHaveBeenCalled();

    await reveal(closedFrame('q3', 'hello'));
    const list = await screen.findByRole('region', { name: 'What the class typed' });
    expect(questionResponses).toHaveBeenCalledWith('K7PQ2M', 'q3');
    expect(within(list).getAllByTestId('typed-answer').map((row) => row.textContent)).toEqual([
      '✓Hello (right)2 answersHide',
      '✗helo (wrong)2 answersHide',
    ]);
    expect(screen.getByTestId('leaderboard')).toBeInTheDocument();
  });

  it('keeps the reveal as it was when the list cannot be read', async () => {
    const questionResponses = vi.fn(async (_session: string, _question: string) => {
      throw new ApiError(403, 'forbidden', 'Forbidden', 'shows once it is revealed');
    });
    renderPanel(session(typedOpen()), undefined, { questionResponses });
    await reveal(closedFrame('q3', 'hello'));
    await waitFor(() => expect(questionResponses).toHaveBeenCalledTimes(1));
    expect(screen.queryByTestId('typed-answers')).toBeNull();
    expect(screen.getByTestId('question-stats')).toHaveTextContent(/^Answer hello4 answers · 50\s?% correct$/);
    expect(screen.getByTestId('host-next')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toBeEmptyDOMElement();
  });

  it('keeps a word the teacher hid off the projector for the session, through a reload', async () => {
    const user = userEvent.setup();
    const questionResponses = vi.fn(async (_session: string, _question: string) => typed);
    renderPanel(session(typedOpen()), undefined, { questionResponses });
    await reveal(closedFrame('q3', 'hello'));
    await user.click(await screen.findByRole('button', { name: 'Hide "helo"' }));
    expect(screen.getAllByTestId('typed-answer').map((row) => row.dataset.count)).toEqual(['2']);
    expect(screen.getByTestId('typed-more')).toHaveTextContent('and 2 more answers');

    // The projector's tab reloads at the same reveal.
    cleanup();
    FakeSocket.reset();
    renderPanel(session(typedOpen()), undefined, { questionResponses });
    await reveal(closedFrame('q3', 'hello'));
    await waitFor(() => expect(screen.getAllByTestId('typed-answer')).toHaveLength(1));
    expect(screen.queryByText('helo')).toBeNull();
    expect(screen.getByTestId('typed-more')).toHaveTextContent('and 2 more answers');
  });

  it('puts the focus on "Next question" after a "Hide", so Space goes on instead of hiding the next word', async () => {
    const user = userEvent.setup();
    const questionResponses = vi.fn(async (_session: string, _question: string) => typed);
    const api = renderPanel(session(typedOpen()), undefined, { questionResponses });
    await reveal(closedFrame('q3', 'hello'));
    await settled();

    // From the keyboard: Space on the wrong spelling's "Hide" hides that word alone.
    (await screen.findByRole('button', { name: 'Hide "helo"' })).focus();
    await user.keyboard(' ');
    expect(screen.getAllByTestId('typed-answer').map((row) => row.textContent)).toEqual(['✓Hello (right)2 answersHide']);
    expect(api.next).not.toHaveBeenCalled();
    expect(screen.getByTestId('host-next')).toHaveFocus();
    expect(screen.getByRole('button', { name: 'Hide "Hello"' })).not.toHaveFocus();

    // The next Space goes on with the quiz; the right answer stays listed.
    await user.keyboard(' ');
    await waitFor(() => expect(api.next).toHaveBeenCalledTimes(1));
    expect(sessionStorage.getItem('quizcore.hiddenAnswers.K7PQ2M')).toBe('["helo"]');
  });

  it('puts the hidden words back with "Show hidden (N)", for the session', async () => {
    const user = userEvent.setup();
    const questionResponses = vi.fn(async (_session: string, _question: string) => typed);
    renderPanel(session(typedOpen()), undefined, { questionResponses });
    await reveal(closedFrame('q3', 'hello'));
    await settled();
    await user.click(await screen.findByRole('button', { name: 'Hide "helo"' }));
    await user.click(screen.getByRole('button', { name: 'Hide "Hello"' }));
    expect(screen.getByTestId('typed-all-hidden')).toHaveTextContent('All 4 answers hidden');
    expect(screen.queryByTestId('typed-more')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Show hidden (2)' }));
    expect(screen.getAllByTestId('typed-answer')).toHaveLength(2);
    expect(sessionStorage.getItem('quizcore.hiddenAnswers.K7PQ2M')).toBe('[]');
    expect(screen.getByTestId('host-next')).toHaveFocus();
  });

  it('keeps what the class typed folded away on this browser once the teacher chose so', async () => {
    const user = userEvent.setup();
    const questionResponses = vi.fn(async (_session: string, _question: string) => typed);
    renderPanel(session(typedOpen()), undefined, { questionResponses });
    await reveal(closedFrame('q3', 'hello'));
    await user.click(await screen.findByRole('button', { name: 'Hide typed answers' }));
    expect(screen.queryAllByTestId('typed-answer')).toHaveLength(0);

    cleanup();
    FakeSocket.reset();
    renderPanel(session(typedOpen()), undefined, { questionResponses });
    await reveal(closedFrame('q3', 'hello'));
    const show = await screen.findByRole('button', { name: 'Show typed answers' });
    expect(screen.queryAllByTestId('typed-answer')).toHaveLength(0);
    // On demand.
    await user.click(show);
    expect(screen.getAllByTestId('typed-answer')).toHaveLength(2);
  });

  it('asks nothing at a choice question, whose chart shows the answers', async () => {
    const questionResponses = vi.fn(async (_session: string, _question: string) => typed);
    renderPanel(session({ ...firstQuestionOpen(), participant_count: 4 }), undefined, { questionResponses });
    await reveal(closedFrame('q1', 'start'));
    expect(screen.getAllByTestId('answer-chart-bar')).toHaveLength(4);
    expect(questionResponses).not.toHaveBeenCalled();
    expect(screen.queryByTestId('typed-answers')).toBeNull();
  });
});

describe('HostPanel while a self-paced class works', () => {
  const quizWithTyped = verbsQuiz([
    { question_id: 'q1', prompt: "Choose the synonym of 'begin'", kind: 'choice' },
    { question_id: 'q3', prompt: "Type the English word for 'bonjour'", kind: 'text' },
  ]);

  it("shows what the class typed so far in the leaderboard's place, hiding words for the session", async () => {
    const user = userEvent.setup();
    const questionResponses = vi.fn(async (_session: string, _question: string) =>
      typedResponses({ question_id: 'q3', index: 1 }),
    );
    await selfPacedWithBoard({ getQuiz: vi.fn(async () => quizWithTyped), questionResponses });

    await user.click(await screen.findByRole('button', { name: 'Typed answers: question 2' }));
    const panel = screen.getByRole('region', { name: 'What they typed' });
    expect(screen.queryByTestId('leaderboard')).toBeNull();
    expect(questionResponses).toHaveBeenCalledWith('K7PQ2M', 'q3');
    await user.click(await within(panel).findByRole('button', { name: 'Hide "helo"' }));
    expect(within(panel).getAllByTestId('typed-answer').map((row) => row.dataset.count)).toEqual(['2']);
    expect(sessionStorage.getItem('quizcore.hiddenAnswers.K7PQ2M')).toContain('helo');

    await user.click(within(panel).getByRole('button', { name: 'Close: back to the leaderboard' }));
    expect(screen.getAllByTestId('leaderboard-row')).toHaveLength(2);
  });
});

describe('HostPanel locking the quiz to newcomers', () => {
  /**
   * Stop the clock Date.now() reads (timers still run): however slow the
   * test machine, a one-second hold does not end before it is looked at.
   * `settled()` follows the clock's restart.
   */
  const freezeClock = () => vi.useFakeTimers({ toFake: ['Date'] });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The server's lock and unlock: the session view as it then is. */
  const lockRoute = (extra: Partial<SessionInfo> = {}) =>
    vi.fn(async (_session: string, locked: boolean) => session({ ...extra, locked }));

  it('locks joining from the lobby and says so where the quiz ID is shown', async () => {
    const user = userEvent.setup();
    const setLocked = lockRoute();
    const api = renderPanel(session(), undefined, { setLocked });
    await annJoins();
    const toggle = await screen.findByTestId('host-lock');
    // What it does, as a name and a title; no pressed state (the note says the state).
    expect(toggle).toHaveAccessibleName('Lock joining');
    expect(toggle).toHaveAttribute('title', 'Lock joining');
    expect(toggle).toHaveTextContent(/^Lock joining$/);
    expect(toggle).not.toHaveAttribute('aria-pressed');
    expect(screen.queryByTestId('host-locked-note')).toBeNull();
    expect(screen.getByTestId('lobby')).toHaveTextContent('Join at http://192.168.1.20:8000/ with the quiz ID');

    freezeClock();
    await user.click(toggle);
    expect(setLocked).toHaveBeenCalledWith('K7PQ2M', true);
    await waitFor(() => expect(toggle).toHaveAccessibleName('Unlock joining'));
    expect(toggle).toHaveTextContent(/^Unlock joining$/);
    expect(toggle).toHaveAttribute('title', 'Unlock joining');
    expect(toggle).toHaveClass('is-locked');
    expect(toggle).not.toHaveAttribute('aria-pressed');
    expect(screen.getByTestId('host-locked-note')).toHaveTextContent(/^Locked: nobody new can join$/);
    expect(screen.getByTestId('lobby')).not.toHaveTextContent('Join at');
    expect(screen.getByTestId('host-session-id')).toHaveTextContent('K7PQ2M');
    expect(screen.getByTestId('lock-status')).toHaveTextContent('Joining is locked: nobody new can join.');
    // Space starts nothing in the lobby: the toggle keeps the focus (never the page).
    expect(toggle).toHaveFocus();
    expect(api.start).not.toHaveBeenCalled();
    // One press a second: a double click locks once.
    expect(toggle).toHaveAttribute('aria-disabled', 'true');
    await user.click(toggle);
    expect(setLocked).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
    await settled();
    expect(toggle).not.toHaveAttribute('aria-disabled');

    // From the keyboard, on the toggle that kept the focus: Enter unlocks.
    await user.keyboard('{Enter}');
    expect(setLocked).toHaveBeenLastCalledWith('K7PQ2M', false);
    await waitFor(() => expect(toggle).toHaveAccessibleName('Lock joining'));
    expect(toggle).toHaveTextContent(/^Lock joining$/);
    expect(toggle).not.toHaveClass('is-locked');
    expect(toggle).toHaveFocus();
    expect(screen.queryByTestId('host-locked-note')).toBeNull();
    expect(screen.getByTestId('lock-status')).toHaveTextContent('Joining is open again: new players can join.');
  });

  it('shows a locked quiz as locked after a reload, and follows another host screen', async () => {
    renderPanel(session({ locked: true }));
    const toggle = await screen.findByTestId('host-lock');
    await waitFor(() => expect(toggle).toHaveAccessibleName('Unlock joining'));
    expect(screen.getByTestId('host-locked-note')).toBeInTheDocument();
    // Nothing changed: nothing to say.
    expect(screen.getByTestId('lock-status')).toBeEmptyDOMElement();

    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => {
      socket.open();
      socket.receive({ type: 'session.unlocked', seq: 3, at: new Date().toISOString() });
    });
    expect(toggle).toHaveAccessibleName('Lock joining');
    expect(screen.queryByTestId('host-locked-note')).toBeNull();
    act(() => socket.receive({ type: 'session.locked', seq: 4, at: new Date().toISOString() }));
    expect(toggle).toHaveAccessibleName('Unlock joining');
    expect(screen.getByTestId('host-locked-note')).toBeInTheDocument();
  });

  it('puts the focus on "Next question" after the toggle at the reveal, so Space goes on', async () => {
    const user = userEvent.setup();
    const setLocked = lockRoute(firstQuestionOpen());
    const api = renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }), undefined, { setLocked });
    await toTheReveal();
    await settled();

    // From the keyboard: Enter on the toggle locks; the focus is then on the main action.
    freezeClock();
    screen.getByTestId('host-lock').focus();
    await user.keyboard('{Enter}');
    expect(setLocked).toHaveBeenCalledWith('K7PQ2M', true);
    const next = screen.getByTestId('host-next');
    expect(next).toHaveFocus();
    // The quiz ID in the bar says it no longer lets anyone in (not where to join), faded.
    const note = await screen.findByTestId('host-locked-note');
    expect(note).toHaveTextContent('Locked: nobody new can join');
    expect(screen.getByTestId('presenter')).not.toHaveTextContent('192.168.1.20:8000');
    expect(screen.getByTestId('host-session-id').closest('.presenter-code')).toHaveClass('is-locked');

    // It waits a second first, holding the focus; then Space goes on.
    expect(next).toHaveAttribute('aria-disabled', 'true');
    vi.useRealTimers();
    await settled();
    expect(next).not.toHaveAttribute('aria-disabled');
    expect(next).toHaveFocus();
    await user.keyboard(' ');
    await waitFor(() => expect(api.next).toHaveBeenCalledTimes(1));
    expect(setLocked).toHaveBeenCalledTimes(1);
  });

  it('reveals nothing on a double Enter on the toggle while a question is open: it locks once', async () => {
    const user = userEvent.setup();
    const setLocked = lockRoute(firstQuestionOpen());
    const api = renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }), undefined, { setLocked });
    const reveal = await screen.findByTestId('host-reveal');
    await settled();

    freezeClock();
    screen.getByTestId('host-lock').focus();
    await user.keyboard('{Enter}{Enter}');
    expect(reveal).toHaveFocus();
    // Space, a remote's "next" and a click meant for the toggle are all held back too.
    await user.keyboard(' ');
    await user.keyboard('{PageDown}');
    await user.click(reveal);
    expect(setLocked).toHaveBeenCalledTimes(1);
    expect(setLocked).toHaveBeenCalledWith('K7PQ2M', true);
    await waitFor(() => expect(screen.getByTestId('host-lock')).toHaveAccessibleName('Unlock joining'));
    expect(api.reveal).not.toHaveBeenCalled();
    expect(reveal).toHaveAttribute('aria-disabled', 'true');
    expect(reveal).toBeEnabled();
    expect(reveal).toHaveFocus();

    // A second later it is the main action again, still focused.
    vi.useRealTimers();
    await settled();
    expect(reveal).not.toHaveAttribute('aria-disabled');
    expect(reveal).toHaveFocus();
    expect(api.reveal).not.toHaveBeenCalled();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(api.reveal).toHaveBeenCalledTimes(1));
  });

  it('holds the main action after a double click on the toggle too', async () => {
    const user = userEvent.setup();
    const setLocked = lockRoute(firstQuestionOpen());
    const api = renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }), undefined, { setLocked });
    const reveal = await screen.findByTestId('host-reveal');
    await settled();

    const toggle = screen.getByTestId('host-lock');
    freezeClock();
    await user.dblClick(toggle);
    expect(setLocked).toHaveBeenCalledTimes(1);
    expect(reveal).toHaveFocus();
    // Space on the focused main action within the second: nothing.
    await user.keyboard(' ');
    expect(api.reveal).not.toHaveBeenCalled();
  });

  it('sends one request at a time: the toggle waits for the reply', async () => {
    const user = userEvent.setup();
    let reply: (value: SessionInfo) => void = () => undefined;
    const setLocked = vi.fn(
      (_session: string, _locked: boolean) => new Promise<SessionInfo>((resolve) => (reply = resolve)),
    );
    renderPanel(session({ mode: 'self_paced', status: 'running', participant_count: 1 }), undefined, {
      setLocked,
    });
    const toggle = await screen.findByTestId('host-lock');
    await user.click(toggle);
    // Held, not disabled: it keeps the focus (no main action takes Space here).
    expect(toggle).toHaveAttribute('aria-disabled', 'true');
    expect(toggle).toHaveFocus();
    await user.click(toggle);
    await user.keyboard('{Enter}');
    expect(setLocked).toHaveBeenCalledTimes(1);
    await act(async () => reply(session({ mode: 'self_paced', status: 'running', locked: true })));
    expect(toggle).toHaveAccessibleName('Unlock joining');
    await settled();
    expect(toggle).not.toHaveAttribute('aria-disabled');
    expect(toggle).toHaveFocus();
    expect(document.activeElement).not.toBe(document.body);
  });

  it('shows a refusal as other host actions do, and stays as it was', async () => {
    const user = userEvent.setup();
    const setLocked = vi
      .fn(async (_session: string, _locked: boolean): Promise<SessionInfo> => session({ locked: true }))
      .mockRejectedValueOnce(new ApiError(503, 'unavailable', 'Service Unavailable', ''))
      .mockRejectedValueOnce(new ApiError(429, 'rate_limited', 'Too Many Requests', ''));
    renderPanel(session(), undefined, { setLocked });
    const toggle = await screen.findByTestId('host-lock');

    await user.click(toggle);
    expect(await screen.findByRole('alert')).toHaveTextContent('The server is busy. Please try again shortly.');
    expect(toggle).toHaveAccessibleName('Lock joining');
    expect(screen.queryByTestId('host-locked-note')).toBeNull();

    await settled();
    await user.click(toggle);
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('Too many requests.'));
    // Tried again and through: the message goes.
    await settled();
    await user.click(toggle);
    await waitFor(() => expect(toggle).toHaveAccessibleName('Unlock joining'));
    expect(screen.getByRole('alert')).toBeEmptyDOMElement();
  });

  it('offers no toggle once the quiz is over, nor to anyone but the host', async () => {
    renderPanel(session({ status: 'finished', locked: true }), undefined, {
      results: vi.fn(async () => ({ session_id: 'K7PQ2M', standings: [], questions: [] })),
    });
    expect(await screen.findByTestId('host-session-id')).toBeInTheDocument();
    expect(screen.queryByTestId('host-lock')).toBeNull();
    expect(screen.queryByTestId('host-locked-note')).toBeNull();
    cleanup();

    renderPanel(session({ host_id: 'u-other' }));
    expect(await screen.findByTestId('not-host')).toBeInTheDocument();
    expect(screen.queryByTestId('host-lock')).toBeNull();
  });
});

describe('HostPanel waiting a second after a question closed on its own', () => {
  it('says "One moment…" to a Space it takes nothing from, then takes the next one', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }));
    expect(await screen.findByTestId('host-reveal')).toBeInTheDocument();
    // Time is up: the question closes by itself, "Next question" takes its place.
    await toTheReveal();
    const next = screen.getByTestId('host-next');
    // It shows the second it waits: a bar filling across it.
    expect(next).toHaveClass('is-settling');
    expect(next).toHaveAttribute('data-settling', 'true');
    expect(next.querySelector('.settle-bar')).not.toBeNull();
    expect(screen.queryByTestId('host-settling')).toBeNull();

    // Space meant for "Show answer", a moment too late: not taken, and said so.
    await user.keyboard(' ');
    expect(await screen.findByTestId('host-settling')).toHaveTextContent('One moment…');
    expect(screen.getByTestId('settle-status')).toHaveTextContent(
      'One moment: Next question takes a press again in a second.',
    );
    await user.keyboard('{PageDown}');
    expect(screen.getByTestId('host-settling')).toBeInTheDocument();
    expect(api.next).not.toHaveBeenCalled();

    // Once the second is over the note goes, and the next press goes on.
    await waitFor(() => expect(screen.queryByTestId('host-settling')).toBeNull(), { timeout: SETTLE_MS + 1000 });
    expect(next).not.toHaveClass('is-settling');
    expect(screen.getByTestId('settle-status')).toHaveTextContent('');
    await user.keyboard(' ');
    await waitFor(() => expect(api.next).toHaveBeenCalledTimes(1));
  });

  it('says nothing when no press came during the wait', async () => {
    renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }));
    await toTheReveal();
    await settled();
    expect(screen.queryByTestId('host-settling')).toBeNull();
    expect(screen.getByTestId('host-next')).not.toHaveClass('is-settling');
  });
});

describe('HostPanel holding "Show answer" for the last answers once the time is up', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A live question whose time is up 2 s from now; the host's socket open. */
  async function openQuestion() {
    const closesAt = Date.now() + 2000;
    const api = renderPanel(
      session({
        participant_count: 2,
        ...firstQuestionOpen(),
        current_question: {
          ...firstQuestionOpen().current_question!,
          closes_at: new Date(closesAt).toISOString(),
        },
      }),
    );
    const reveal = await screen.findByTestId('host-reveal');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => socket.open());
    // From here the clock and the timers are the test's.
    vi.useFakeTimers();
    act(() => vi.advanceTimersByTime(SETTLE_MS + 50));
    expect(reveal).not.toHaveAttribute('aria-disabled');
    return { api, reveal, socket, closesAt };
  }
  const space = () => act(() => void fireEvent.keyDown(document, { key: ' ' }));
  const toTime = (at: number) => act(() => vi.advanceTimersByTime(Math.max(0, at - Date.now())));

  it('waits for the server to close the question itself, sending no reveal', async () => {
    const { api, reveal, socket, closesAt } = await openQuestion();
    toTime(closesAt + 100);
    space();
    expect(api.reveal).not.toHaveBeenCalled();
    expect(reveal).toHaveTextContent('Collecting the last answers…');
    expect(reveal).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId('settle-status')).toHaveTextContent('Collecting the last answers');
    // A second press does nothing more (nor "One moment…").
    space();
    fireEvent.click(reveal);
    expect(screen.queryByTestId('host-settling')).toBeNull();
    toTime(closesAt + 500);
    expect(api.reveal).not.toHaveBeenCalled();
    // The server's grace ends: it closes the question and says so.
    act(() =>
      socket.receive({
        type: 'question.closed',
        seq: 4,
        question_id: 'q1',
        correct_answer: 'start',
        closed_at: new Date().toISOString(),
      }),
    );
    expect(screen.getByTestId('host-correct-answer')).toHaveTextContent('start');
    expect(screen.getByTestId('host-next')).toHaveTextContent('Next question');
    expect(screen.getByTestId('settle-status')).not.toHaveTextContent('Collecting');
    toTime(closesAt + 3000);
    expect(api.reveal).not.toHaveBeenCalled();
    expect(api.next).not.toHaveBeenCalled();
  });

  it('sends the reveal once the largest grace has passed without a close', async () => {
    const { api, reveal, closesAt } = await openQuestion();
    toTime(closesAt + 10);
    fireEvent.click(reveal);
    expect(reveal).toHaveTextContent('Collecting the last answers…');
    toTime(closesAt + GRACE_MAX_MS - 10);
    expect(api.reveal).not.toHaveBeenCalled();
    space();
    toTime(closesAt + GRACE_MAX_MS + 10);
    expect(api.reveal).toHaveBeenCalledTimes(1);
    toTime(closesAt + GRACE_MAX_MS + 3000);
    expect(api.reveal).toHaveBeenCalledTimes(1);
  });

  it('reveals at once when pressed before the time is up (the teacher cuts it short)', async () => {
    const { api, reveal, closesAt } = await openQuestion();
    toTime(closesAt - 300);
    space();
    expect(api.reveal).toHaveBeenCalledTimes(1);
    expect(reveal).not.toHaveTextContent('Collecting');
  });
});

describe('HostPanel: a click on the main action while it waits', () => {
  it('says "One moment…" as Space does, and the button keeps the focus', async () => {
    const user = userEvent.setup();
    const api = renderPanel(session({ participant_count: 2, ...firstQuestionOpen() }));
    await toTheReveal();
    const next = screen.getByTestId('host-next');
    expect(next).toBeEnabled();
    expect(next).toHaveAttribute('aria-disabled', 'true');
    await user.click(next);
    expect(await screen.findByTestId('host-settling')).toHaveTextContent('One moment…');
    expect(next).toHaveFocus();
    expect(api.next).not.toHaveBeenCalled();
    await settled();
    await user.click(next);
    await waitFor(() => expect(api.next).toHaveBeenCalledTimes(1));
  });
});
