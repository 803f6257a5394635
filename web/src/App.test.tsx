import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from './api';
import { App } from './App';
import { AuthStore } from './auth';
import { SETTLE_MS } from './components/HostPanel';
import { RETRY_LOCKED_MS } from './components/JoinForm';
import { FakeSocket } from './test/fakeSocket';

type Handler = (body: unknown, init: RequestInit) => Response | Promise<Response>;

/** A scripted stand-in for the HTTP API: routes are "METHOD /path". */
function fakeServer(routes: Record<string, Handler>) {
  const calls: { route: string; body: unknown; headers: Record<string, string> }[] = [];
  const fetch = vi.fn<typeof globalThis.fetch>(async (input, init = {}) => {
    const url = new URL(String(input), 'http://localhost');
    const route = `${init.method ?? 'GET'} ${url.pathname}`;
    const body = init.body ? (JSON.parse(String(init.body)) as unknown) : undefined;
    calls.push({ route, body, headers: (init.headers ?? {}) as Record<string, string> });
    const handler = routes[route];
    if (!handler) {
      return new Response(JSON.stringify({ status: 404, code: 'not_found', title: 'Not found' }), {
        status: 404,
      });
    }
    return handler(body, init);
  });
  return { fetch, calls };
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function iso(msFromNow: number): string {
  return new Date(Date.now() + msFromNow).toISOString();
}

function setup(routes: Record<string, Handler>) {
  const server = fakeServer(routes);
  const auth = new AuthStore(sessionStorage);
  const api = new ApiClient({ fetch: server.fetch, tokens: auth });
  auth.attach(api);
  render(<App api={api} auth={auth} WebSocket={FakeSocket} />);
  return server;
}

const config = () =>
  json({ profile: 'local', dev_auth: true, auth0_domain: '', auth0_client_id: '', auth0_audience: '' });
const devToken = (body: unknown) => {
  const { name } = body as { name: string };
  return json({ access_token: `jwt-${name}`, token_type: 'Bearer', expires_in: 3600, user_id: `u-${name}` });
};

const question = (id: string, index: number) => ({
  question_id: id,
  index,
  prompt: index === 0 ? "Choose the synonym of 'begin'" : "Type the English word for 'bonjour'",
  kind: index === 0 ? 'choice' : 'text',
  choices: index === 0 ? ['start', 'finish', 'stay', 'hold'] : null,
  opens_at: iso(0),
  closes_at: iso(20_000),
});

function session(status: string, extra: Record<string, unknown> = {}) {
  return {
    session_id: 'K7PQ2M',
    quiz_id: 'verbs',
    title: 'Everyday verbs',
    mode: 'live',
    status,
    host_id: 'u-host',
    participant_count: 1,
    question_index: null,
    question_count: 2,
    current_question: null,
    server_time: new Date().toISOString(),
    ...extra,
  };
}

/** The routes for "ann" joining K7PQ2M while it is in the lobby. */
/** The server's answer to a join of K7PQ2M while the host has it locked. */
const lockedOut = () =>
  json(
    {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      code: 'session_locked',
      detail: 'the host locked session K7PQ2M: ask them to let you in',
    },
    409,
  );

const annJoinsTheLobby = (): Record<string, Handler> => ({
  'GET /config.json': config,
  'POST /v1/dev/token': devToken,
  'POST /v1/sessions/K7PQ2M/participants': () =>
    json({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: null }, 201),
  'GET /v1/sessions/K7PQ2M': () => json(session('lobby')),
});

const results = {
  session_id: 'K7PQ2M',
  standings: [
    { rank: 1, user_id: 'u-ann', display_name: 'ann', score: 950, correct_count: 1 },
    { rank: 2, user_id: 'u-bo', display_name: 'bo', score: 0, correct_count: 0 },
  ],
  questions: [{ question_id: 'q1', index: 0, prompt: 'begin', answers: 2, correct_share: 0.5 }],
};

/** Join K7PQ2M from the join form as `name`; return the live socket it opens. */
async function joinAs(user: ReturnType<typeof userEvent.setup>, name: string) {
  await user.type(await screen.findByTestId('name-input'), name);
  await user.type(screen.getByTestId('join-code-input'), 'K7PQ2M');
  await user.click(screen.getByTestId('join-button'));
  await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
  return FakeSocket.last();
}

/** Open the player's socket on a lobby's snapshot (ann first, with no score yet). */
function openInTheLobby(socket: FakeSocket, extra: Record<string, unknown> = {}) {
  socket.open();
  socket.receive({
    type: 'session.snapshot',
    seq: 1,
    server_time: new Date().toISOString(),
    session: session('lobby', extra),
    leaderboard: { version: 1, entries: [] },
    me: { rank: 1, score: 0 },
  });
}

beforeEach(() => {
  FakeSocket.reset();
  window.history.replaceState(null, '', '/');
  URL.createObjectURL = vi.fn(() => 'blob:results');
  URL.revokeObjectURL = vi.fn();
});

afterEach(() => {
  window.history.replaceState(null, '', '/');
});

describe('player', () => {
  it('joins with a name and a prefilled quiz ID, answers, and sees the results', async () => {
    window.history.replaceState(null, '', '/?join=k7pq2m');
    const user = userEvent.setup();
    const server = setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/K7PQ2M/participants': () =>
        json({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: null }, 201),
      'GET /v1/sessions/K7PQ2M': () => json(session('lobby')),
      'POST /v1/sessions/K7PQ2M/answers': (body) =>
        json({
          submission_id: (body as { submission_id: string }).submission_id,
          status: 'scored',
          correct: true,
          points: 950,
          score: 950,
          rank: 1,
        }),
      'GET /v1/sessions/K7PQ2M/results': () => json(results),
    });

    const code = await screen.findByTestId('join-code-input');
    expect(code).toHaveValue('K7PQ2M');
    await user.type(screen.getByTestId('name-input'), 'ann');
    await user.click(screen.getByTestId('join-button'));

    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    expect(socket.url).toContain('/v1/sessions/K7PQ2M/live?');
    expect(socket.params.get('access_token')).toBe('jwt-ann');
    act(() => {
      openInTheLobby(socket);
      socket.receive({ type: 'participant.joined', seq: 2, user_id: 'u-bo', display_name: 'bo', participant_count: 2 });
    });
    expect(screen.getByTestId('lobby')).toHaveTextContent('bo');
    expect(screen.getByTestId('participant-count')).toHaveTextContent('2');

    act(() => socket.receive({ type: 'question.opened', seq: 3, ...question('q1', 0) }));
    expect(screen.getByTestId('question-prompt')).toHaveTextContent("Choose the synonym of 'begin'");
    expect(screen.getByTestId('countdown')).toHaveTextContent(/^(19|20)/);
    // Said to screen readers as it opens, in a region that was there before.
    expect(screen.getByTestId('question-announcement')).toHaveTextContent(
      "Question 1 of 2: Choose the synonym of 'begin'",
    );
    expect(screen.getByTestId('question-announcement')).toHaveAttribute('aria-live', 'polite');
    await user.click(screen.getByTestId('choice-0'));

    // Locked in, and nothing on the screen says whether it was right: a
    // neighbour's glance must not give the answer away before the reveal.
    const locked = await screen.findByTestId('answer-locked');
    expect(locked).toHaveTextContent('You answered start.');
    expect(screen.queryByTestId('answer-feedback')).toBeNull();
    expect(locked).not.toHaveTextContent(/Correct|Not quite|points/);
    // The score box moves at the reveal, not while others still answer.
    expect(screen.getByTestId('my-score')).toHaveTextContent('0');
    expect(screen.getByTestId('my-rank')).toHaveTextContent('1');
    const answer = server.calls.find((call) => call.route === 'POST /v1/sessions/K7PQ2M/answers');
    expect(answer?.body).toMatchObject({ question_id: 'q1', answer: 'start' });
    expect(answer?.headers.Prefer).toBe('wait=2');
    // The result takes over the screen: no more choices, no moving leaderboard.
    expect(screen.queryByTestId('choice-1')).toBeNull();
    expect(screen.queryByTestId('feedback-rank')).toBeNull();

    act(() =>
      socket.receive({
        type: 'leaderboard.updated',
        seq: 4,
        version: 2,
        entries: [
          { rank: 1, user_id: 'u-ann', display_name: 'ann', score: 950 },
          { rank: 2, user_id: 'u-bo', display_name: 'bo', score: 0 },
        ],
        me: { rank: 1, score: 950 },
      }),
    );
    expect(screen.queryByTestId('leaderboard')).toBeNull();

    act(() =>
      socket.receive({
        type: 'question.closed',
        seq: 5,
        question_id: 'q1',
        correct_answer: 'start',
        answer_count: 2,
        correct_count: 1,
        choice_counts: { start: 1, stay: 1 },
      }),
    );
    // The reveal: my result, the answer, the chart, my rank and the leaderboard.
    const feedback = screen.getByTestId('answer-feedback');
    expect(feedback).toHaveAttribute('data-correct', 'true');
    expect(feedback).toHaveAttribute('data-points', '950');
    expect(screen.getByTestId('my-score')).toHaveTextContent('950');
    expect(screen.getByTestId('host-correct-answer')).toHaveTextContent('start');
    expect(screen.getByTestId('feedback-rank')).toHaveAttribute('data-rank', '1');
    const bars = screen.getAllByTestId('answer-chart-bar');
    expect(bars.map((bar) => bar.dataset.count)).toEqual(['1', '0', '1', '0']);
    expect(bars[0]).toHaveAttribute('data-correct', 'true');
    expect(screen.getByTestId('reveal-next')).toHaveTextContent('Waiting for the next question…');
    const rows = within(screen.getByTestId('leaderboard')).getAllByTestId('leaderboard-row');
    expect(rows.map((row) => row.dataset.userId)).toEqual(['u-ann', 'u-bo']);

    // The connection drops and comes back: it resumes after the last event seen.
    act(() => socket.drop());
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2), { timeout: 3000 });
    expect(FakeSocket.last().params.get('since')).toBe('5');
    expect(screen.getByTestId('my-score')).toHaveTextContent('950');

    const resumed = FakeSocket.last();
    act(() => {
      resumed.open();
      resumed.receive({
        type: 'session.finished',
        seq: 6,
        entries: [{ rank: 1, user_id: 'u-ann', display_name: 'ann', score: 950 }],
      });
    });
    const table = await screen.findByTestId('results-table');
    const resultRows = within(table).getAllByTestId('results-row');
    expect(resultRows[0]).toHaveAttribute('data-user-id', 'u-ann');
    expect(resultRows[0]).toHaveAttribute('data-score', '950');
    expect(screen.getByTestId('podium')).toHaveTextContent('ann');
    // Only the host downloads the class's results.
    expect(screen.queryByTestId('results-csv')).toBeNull();
  });

  it('says so on the results when my last tap reached the server after the quiz ended', async () => {
    const user = userEvent.setup();
    let refuse: (reply: Response) => void = () => undefined;
    setup({
      ...annJoinsTheLobby(),
      // The host ends the quiz while the tap is on its way: the server refuses it.
      'POST /v1/sessions/K7PQ2M/answers': () => new Promise<Response>((resolve) => (refuse = resolve)),
      'GET /v1/sessions/K7PQ2M/results': () => json(results),
    });
    const socket = await joinAs(user, 'ann');
    act(() => {
      openInTheLobby(socket);
      socket.receive({ type: 'question.opened', seq: 2, ...question('q1', 0) });
    });
    await user.click(screen.getByTestId('choice-0'));
    act(() =>
      socket.receive({
        type: 'session.finished',
        seq: 3,
        entries: [{ rank: 1, user_id: 'u-bo', display_name: 'bo', score: 900 }],
      }),
    );
    expect(await screen.findByTestId('results-table')).toBeInTheDocument();
    expect(screen.queryByTestId('answer-after-finish')).toBeNull();

    await act(async () =>
      refuse(
        json(
          {
            type: 'about:blank',
            title: 'Session finished',
            status: 409,
            code: 'session_finished',
            detail: 'session K7PQ2M is finished',
          },
          409,
        ),
      ),
    );

    expect(await screen.findByTestId('answer-after-finish')).toHaveTextContent('did not count');
  });

  it('keeps my rank still while a question is open and moves it at the reveal', async () => {
    const user = userEvent.setup();
    setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/K7PQ2M/participants': () =>
        json({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: 1 }, 201),
      'GET /v1/sessions/K7PQ2M': () => json(session('lobby')),
    });
    const socket = await joinAs(user, 'ann');
    act(() => {
      openInTheLobby(socket, { participant_count: 2 });
      socket.receive({ type: 'question.opened', seq: 2, ...question('q1', 0) });
      // Bo answered first: a board moves ann to second while the question is open.
      socket.receive({
        type: 'leaderboard.updated',
        seq: 3,
        version: 2,
        entries: [{ rank: 1, user_id: 'u-bo', display_name: 'bo', score: 980 }],
        me: { rank: 2, score: 0 },
      });
    });
    expect(screen.getByTestId('my-rank')).toHaveTextContent('1');

    act(() =>
      socket.receive({
        type: 'question.closed',
        seq: 4,
        question_id: 'q1',
        correct_answer: 'start',
        answer_count: 1,
        correct_count: 1,
        choice_counts: { start: 1 },
      }),
    );
    expect(screen.getByTestId('my-rank')).toHaveTextContent('2');
  });

  it('tells a player who joins at a reveal that the next question is theirs', async () => {
    const user = userEvent.setup();
    const revealed = {
      ...question('q1', 0),
      correct_answer: 'start',
      answer_count: 3,
      correct_count: 2,
      choice_counts: { start: 2, stay: 1 },
    };
    setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/K7PQ2M/participants': () =>
        json({ session_id: 'K7PQ2M', user_id: 'u-lea', display_name: 'lea', score: 0, rank: null }, 201),
      'GET /v1/sessions/K7PQ2M': () =>
        json(session('running', { phase: 'reveal', question_index: 0, last_question: revealed })),
    });
    await joinAs(user, 'lea');

    expect(await screen.findByTestId('joined-at-reveal')).toHaveTextContent('the next one is yours');
    expect(screen.queryByTestId('answer-missed')).toBeNull();
  });

  it("comes back from the game to the form with the quiz ID still in it on the browser's Back", async () => {
    setup(annJoinsTheLobby());
    await joinAs(userEvent.setup(), 'ann');
    expect(window.location.hash).toBe('#/play/K7PQ2M');

    act(() => window.history.back());

    await waitFor(() => expect(screen.getByTestId('join-code-input')).toHaveValue('K7PQ2M'));
  });

  it('sends a removed player to an empty join form with their name kept, even from a join link', async () => {
    window.history.replaceState(null, '', '/?join=k7pq2m');
    const user = userEvent.setup();
    setup(annJoinsTheLobby());
    expect(await screen.findByTestId('join-code-input')).toHaveValue('K7PQ2M');
    await user.type(screen.getByTestId('name-input'), 'ann');
    await user.click(screen.getByTestId('join-button'));
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => openInTheLobby(socket));
    act(() =>
      socket.receive({ type: 'participant.removed', seq: 2, user_id: 'u-ann', display_name: 'ann', participant_count: 0 }),
    );

    await user.click(await screen.findByRole('button', { name: 'Join another quiz' }));
    expect(await screen.findByTestId('join-code-input')).toHaveValue('');
    expect(screen.getByTestId('name-input')).toHaveValue('ann');
    expect(window.location.search).toBe('');
  });

  it('checks its socket when a question stays open past its time (a silently stalled Wi-Fi)', async () => {
    setup(annJoinsTheLobby());
    const socket = await joinAs(userEvent.setup(), 'ann');
    act(() => {
      socket.open();
      socket.receive({
        type: 'session.snapshot',
        seq: 1,
        server_time: new Date().toISOString(),
        session: session('running', { question_index: 0 }),
        // Its deadline passed seconds ago, and no question.closed came.
        current_question: { ...question('q1', 0), closes_at: iso(-60_000) },
      });
    });
    await waitFor(() => expect(socket.sent).toContainEqual({ type: 'ping' }));
  });

  it('says so when the quiz ID does not exist', async () => {
    const user = userEvent.setup();
    setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/ZZZZZZ/participants': () =>
        json({ status: 404, code: 'session_not_found', title: 'Not found' }, 404),
    });
    await user.type(await screen.findByTestId('name-input'), 'ann');
    await user.type(screen.getByTestId('join-code-input'), 'zzzzzz');
    await user.click(screen.getByTestId('join-button'));
    expect(await screen.findByTestId('player-error')).toHaveTextContent('No quiz with this ID');
  });

  it('says the quiz is locked, and joins with the same Join once the teacher lets them in', async () => {
    const user = userEvent.setup();
    let locked = true;
    const server = setup({
      ...annJoinsTheLobby(),
      'POST /v1/sessions/K7PQ2M/participants': () =>
        locked
          ? lockedOut()
          : json({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: null }, 201),
    });
    await user.type(await screen.findByTestId('name-input'), 'ann');
    await user.type(screen.getByTestId('join-code-input'), 'k7pq2m');
    await user.click(screen.getByTestId('join-button'));

    // Back on the join form, name and quiz ID kept: no error page to go back from.
    const note = await screen.findByTestId('join-locked');
    expect(note).toHaveTextContent('This quiz is locked. Ask your teacher to let you in. You will join as soon as they do.');
    expect(note).toHaveFocus();
    expect(screen.queryByTestId('player-error')).toBeNull();
    expect(screen.getByTestId('join-code-input')).toHaveValue('K7PQ2M');
    expect(screen.getByTestId('name-input')).toHaveValue('ann');
    expect(window.location.hash).toBe('#/join/K7PQ2M');
    expect(FakeSocket.instances).toHaveLength(0);

    // Another quiz ID typed: the note was about that quiz only.
    await user.clear(screen.getByTestId('join-code-input'));
    expect(screen.queryByTestId('join-locked')).toBeNull();
    await user.type(screen.getByTestId('join-code-input'), 'K7PQ2M');
    expect(screen.getByTestId('join-locked')).not.toHaveFocus();
    // Edited: no more trying by itself, and the note says so.
    expect(screen.getByTestId('join-locked')).toHaveTextContent(
      'This quiz is locked. Ask your teacher to let you in, then press Join again.',
    );

    // Still locked: said again.
    await user.click(screen.getByTestId('join-button'));
    expect(await screen.findByTestId('join-locked')).toBeInTheDocument();

    // The teacher unlocked it: the same button gets them in.
    locked = false;
    await user.click(screen.getByTestId('join-button'));
    expect(await screen.findByTestId('lobby')).toBeInTheDocument();
    expect(screen.queryByTestId('join-locked')).toBeNull();
    expect(server.calls.filter((call) => call.route === 'POST /v1/sessions/K7PQ2M/participants')).toHaveLength(3);
  });

  describe('a phone turned away from a locked quiz', () => {
    const refused = lockedOut;
    const joinsOf = (server: ReturnType<typeof setup>) =>
      server.calls.filter((call) => call.route === 'POST /v1/sessions/K7PQ2M/participants').length;

    beforeEach(() => {
      vi.useFakeTimers({ shouldAdvanceTime: true });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    /** Ann is turned away from K7PQ2M; `state.locked` says whether it still is. */
    async function turnedAway(state: { locked: boolean; answer?: () => Response }) {
      const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
      const server = setup({
        ...annJoinsTheLobby(),
        'POST /v1/sessions/K7PQ2M/participants': () =>
          state.answer
            ? state.answer()
            : state.locked
              ? refused()
              : json({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: null }, 201),
      });
      await user.type(await screen.findByTestId('name-input'), 'ann');
      await user.type(screen.getByTestId('join-code-input'), 'k7pq2m');
      await user.click(screen.getByTestId('join-button'));
      expect(await screen.findByTestId('join-locked')).toHaveTextContent('You will join as soon as they do.');
      expect(joinsOf(server)).toBe(1);
      return { user, server };
    }

    it('tries again every few seconds, and joins by itself once the teacher lets them in', async () => {
      const state = { locked: true };
      const { server } = await turnedAway(state);

      await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS));
      expect(joinsOf(server)).toBe(2);
      // Still locked: the form stays as it was, the note not said again.
      expect(screen.getByTestId('join-locked')).toHaveTextContent('You will join as soon as they do.');
      expect(screen.getByTestId('join-code-input')).toHaveValue('K7PQ2M');
      await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS));
      expect(joinsOf(server)).toBe(3);

      // Unlocked: the next try gets them in, as Join would have.
      state.locked = false;
      await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS));
      expect(await screen.findByTestId('lobby')).toBeInTheDocument();
      expect(window.location.hash).toBe('#/play/K7PQ2M');
      await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
      const joins = joinsOf(server);
      // And no more tries once in.
      await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS * 5));
      expect(joinsOf(server)).toBe(joins);
      expect(screen.queryByTestId('join-locked')).toBeNull();
    });

    it('stops trying once the quiz ID is edited', async () => {
      const state = { locked: true };
      const { user, server } = await turnedAway(state);
      await user.type(screen.getByTestId('join-code-input'), 'X');
      await user.type(screen.getByTestId('join-code-input'), '{Backspace}');
      expect(screen.getByTestId('join-locked')).toHaveTextContent('then press Join again.');
      state.locked = false;
      await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS * 3));
      expect(joinsOf(server)).toBe(1);
      expect(screen.queryByTestId('lobby')).toBeNull();
    });

    it('waits while the page is hidden, and tries as soon as it is seen again', async () => {
      const state = { locked: true };
      const { server } = await turnedAway(state);
      const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
      await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS * 3));
      expect(joinsOf(server)).toBe(1);

      state.locked = false;
      visibility.mockReturnValue('visible');
      act(() => {
        document.dispatchEvent(new Event('visibilitychange'));
      });
      expect(await screen.findByTestId('lobby')).toBeInTheDocument();
      visibility.mockRestore();
    });

    it('stops on another answer, and says it in place of the locked note', async () => {
      const state: { locked: boolean; answer?: () => Response } = { locked: true };
      const { server } = await turnedAway(state);
      state.answer = () => json({ status: 409, code: 'session_finished', title: 'Conflict', detail: 'finished' }, 409);
      await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS));
      expect(joinsOf(server)).toBe(2);
      await waitFor(() => expect(screen.queryByTestId('join-locked')).toBeNull());
      expect(screen.getByTestId('join-error')).not.toBeEmptyDOMElement();
      await act(() => vi.advanceTimersByTimeAsync(RETRY_LOCKED_MS * 3));
      expect(joinsOf(server)).toBe(2);
    });
  });

  it('asks for a complete quiz ID before joining', async () => {
    const user = userEvent.setup();
    setup({ 'GET /config.json': config });
    await user.type(await screen.findByTestId('name-input'), 'ann');
    await user.type(screen.getByTestId('join-code-input'), 'abc');
    await user.click(screen.getByTestId('join-button'));
    expect(screen.getByTestId('join-error')).toHaveTextContent('6 to 8');
  });

  it('says where a long name stops instead of cutting it silently', async () => {
    const user = userEvent.setup();
    setup({ 'GET /config.json': config });
    const input = await screen.findByTestId('name-input');
    await user.type(input, 'Maximiliana-Hohenzollern-Sigmaringen-Le');
    expect(screen.getByTestId('name-limit')).toBeEmptyDOMElement();
    await user.type(input, 'eX');
    expect(input).toHaveValue('Maximiliana-Hohenzollern-Sigmaringen-Lee');
    // Said to screen readers too: the hint describes the field and is announced.
    expect(input).toHaveAccessibleDescription('Names are at most 40 characters.');
  });

  it('says why a zero typed into the quiz ID does not appear', async () => {
    const user = userEvent.setup();
    setup({ 'GET /config.json': config });
    await user.type(await screen.findByTestId('join-code-input'), 'K7PQ0');
    expect(screen.getByTestId('join-code-input')).toHaveValue('K7PQ');
    expect(screen.getByTestId('join-code-hint')).toHaveTextContent('"0" is not in any quiz ID');
    await user.type(screen.getByTestId('join-code-input'), '2');
    expect(screen.getByTestId('join-code-hint')).toHaveTextContent('"0" is not in any quiz ID');
    await user.type(screen.getByTestId('join-code-input'), 'M');
    expect(screen.getByTestId('join-code-hint')).toHaveTextContent('6 to 8 characters');
  });

  it('answers a typed question in self-paced mode and asks for the next one', async () => {
    const user = userEvent.setup();
    let served = 0;
    const server = setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/K7PQ2M/participants': () =>
        json({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: null }, 201),
      'GET /v1/sessions/K7PQ2M': () => json(session('running', { mode: 'self_paced' })),
      'GET /v1/sessions/K7PQ2M/questions/current': () => {
        served += 1;
        return served === 1 ? json(question('q2', 1)) : new Response(null, { status: 204 });
      },
      'POST /v1/sessions/K7PQ2M/answers': (body) =>
        json({ submission_id: (body as { submission_id: string }).submission_id, status: 'accepted' }, 202),
    });
    await user.type(await screen.findByTestId('name-input'), 'ann');
    await user.type(screen.getByTestId('join-code-input'), 'K7PQ2M');
    await user.click(screen.getByTestId('join-button'));

    const input = await screen.findByTestId('text-answer-input');
    await user.type(input, 'hello');
    await user.click(screen.getByTestId('submit-answer'));
    expect(await screen.findByTestId('answer-pending')).toHaveTextContent('scoring');

    // The scored result arrives over the live channel.
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => socket.open());
    const answer = server.calls.find((call) => call.route === 'POST /v1/sessions/K7PQ2M/answers');
    expect(answer?.body).toMatchObject({ question_id: 'q2', answer: 'hello' });
    const sent = (answer?.body as { submission_id: string }).submission_id;
    act(() =>
      socket.receive({
        type: 'answer.result',
        seq: 2,
        submission_id: sent,
        status: 'scored',
        correct: false,
        points: 0,
        score: 0,
        rank: 1,
      }),
    );
    const feedback = await screen.findByTestId('answer-feedback');
    expect(feedback).toHaveAttribute('data-correct', 'false');
    // What the player typed, beside the verdict.
    expect(within(feedback).getByTestId('answer-typed')).toHaveTextContent('You wrote “hello”.');
    // The last question: what comes next is the end, not another question.
    expect(screen.getByTestId('next-question')).toHaveTextContent('Finish my quiz');
    await user.click(screen.getByTestId('next-question'));
    expect(await screen.findByTestId('all-answered')).toBeInTheDocument();
  });
});

describe('a player back after closing the tab', () => {
  /** The browser's app in a new tab: the token is gone with the old tab, the device key and name stay. */
  function newTab(server: ReturnType<typeof fakeServer>) {
    const auth = new AuthStore(sessionStorage, Date.now, localStorage);
    const api = new ApiClient({ fetch: server.fetch, tokens: auth });
    auth.attach(api);
    return render(<App api={api} auth={auth} WebSocket={FakeSocket} />);
  }

  it("goes straight back into a quiz joined before, as the same player, from the quiz's link", async () => {
    const server = fakeServer(annJoinsTheLobby());
    const first = newTab(server);
    await joinAs(userEvent.setup(), 'ann');
    expect(await screen.findByTestId('lobby')).toBeInTheDocument();
    const { device_key: key } = server.calls.find((call) => call.route === 'POST /v1/dev/token')?.body as {
      device_key: string;
    };
    first.unmount();
    sessionStorage.clear();
    FakeSocket.reset();

    window.history.replaceState(null, '', '/#/play/K7PQ2M');
    newTab(server);
    expect(await screen.findByTestId('lobby')).toBeInTheDocument();
    expect(screen.queryByTestId('name-input')).toBeNull();
    const tokens = server.calls.filter((call) => call.route === 'POST /v1/dev/token');
    expect(tokens).toHaveLength(2);
    expect(tokens[1].body).toEqual({ name: 'ann', device_key: key });
    expect(server.calls.filter((call) => call.route === 'POST /v1/sessions/K7PQ2M/participants')).toHaveLength(2);
  });

  it('goes straight back in from the join link (the QR code) too, the form only once', async () => {
    const server = fakeServer(annJoinsTheLobby());
    const first = newTab(server);
    await joinAs(userEvent.setup(), 'ann');
    expect(await screen.findByTestId('lobby')).toBeInTheDocument();
    first.unmount();
    sessionStorage.clear();
    FakeSocket.reset();

    window.history.replaceState(null, '', '/?join=k7pq2m');
    newTab(server);
    expect(await screen.findByTestId('lobby')).toBeInTheDocument();
    expect(screen.queryByTestId('name-input')).toBeNull();
    expect(window.location.hash).toBe('#/play/K7PQ2M');
    expect(server.calls.filter((call) => call.route === 'POST /v1/sessions/K7PQ2M/participants')).toHaveLength(2);
    // Back goes to the form with the quiz ID in it, not into the game again.
    act(() => window.history.back());
    expect(await screen.findByTestId('join-code-input')).toHaveValue('K7PQ2M');
  });

  it('asks as before for a quiz this browser never joined', async () => {
    const server = fakeServer(annJoinsTheLobby());
    localStorage.setItem('quizcore.device_key', 'a'.repeat(48));
    localStorage.setItem('quizcore.last_name', 'ann');
    window.history.replaceState(null, '', '/#/play/K7PQ2M');
    newTab(server);
    expect(await screen.findByTestId('join-code-input')).toHaveValue('K7PQ2M');
    expect(screen.getByTestId('name-input')).toHaveValue('ann');
    expect(server.calls.some((call) => call.route === 'POST /v1/dev/token')).toBe(false);
  });
});

describe('player after a page reload', () => {
  const participant = () =>
    json({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 6000, rank: 1 });
  const running = () =>
    json(session('running', { question_index: 0, current_question: question('q1', 0) }));

  async function joinAndSnapshot(answered: string[]) {
    const user = userEvent.setup();
    const socket = await joinAs(user, 'ann');
    act(() => {
      socket.open();
      socket.receive({
        type: 'session.snapshot',
        seq: 7,
        server_time: new Date().toISOString(),
        session: session('running', { question_index: 0, current_question: question('q1', 0) }),
        current_question: question('q1', 0),
        leaderboard: {
          version: 3,
          entries: [{ rank: 1, user_id: 'u-ann', display_name: 'ann', score: 6000 }],
        },
        me: { rank: 1, score: 6000 },
        answered,
      });
    });
    return user;
  }

  it('shows the answered question with its result read again by the stored submission id', async () => {
    // What the tab stored when it sent the answer, before the reload.
    sessionStorage.setItem(
      'quizcore.answers.K7PQ2M.u-ann',
      JSON.stringify({ q1: { submission_id: 's-before', answer: 'start' } }),
    );
    const server = setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/K7PQ2M/participants': participant,
      'GET /v1/sessions/K7PQ2M': running,
      'GET /v1/sessions/K7PQ2M/answers/s-before': () =>
        json({
          submission_id: 's-before',
          status: 'scored',
          question_id: 'q1',
          correct: true,
          points: 1100,
          streak: 1,
          score: 6000,
          rank: 1,
        }),
    });
    const user = await joinAndSnapshot(['q1']);

    // Read again, and held back like any live answer until the reveal.
    await waitFor(() =>
      expect(server.calls.some((call) => call.route === 'GET /v1/sessions/K7PQ2M/answers/s-before')).toBe(true),
    );
    expect(await screen.findByTestId('answer-locked')).toHaveTextContent('You answered start.');
    expect(screen.queryByTestId('choice-0')).toBeNull();
    // The standing waits for the reveal, reload or not: the score before this question, no rank.
    await waitFor(() => expect(screen.getByTestId('my-score')).toHaveTextContent('4900'));
    expect(screen.getByTestId('my-rank')).toHaveTextContent('–');

    await user.keyboard('2');
    expect(server.calls.some((call) => call.route === 'POST /v1/sessions/K7PQ2M/answers')).toBe(false);

    act(() =>
      FakeSocket.last().receive({ type: 'question.closed', seq: 8, question_id: 'q1', correct_answer: 'start' }),
    );
    const feedback = screen.getByTestId('answer-feedback');
    expect(feedback).toHaveAttribute('data-correct', 'true');
    expect(feedback).toHaveAttribute('data-points', '1100');
    // Server streak 1 (one correct answer before): a run of two with this one.
    expect(feedback).toHaveTextContent('Streak ×2');
  });

  it('disables the choices with a neutral note when this tab has no submission id', async () => {
    const server = setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/K7PQ2M/participants': participant,
      'GET /v1/sessions/K7PQ2M': running,
    });
    const user = await joinAndSnapshot(['q1']);

    expect(await screen.findByTestId('answer-received')).toHaveTextContent('Answer received');
    expect(screen.queryByTestId('answer-feedback')).toBeNull();
    expect(screen.queryByTestId('choice-0')).toBeNull();
    await user.keyboard('1');
    expect(server.calls.filter((call) => call.route.includes('/answers'))).toEqual([]);

    // When the question closes it is not reported as missed.
    act(() =>
      FakeSocket.last().receive({ type: 'question.closed', seq: 8, question_id: 'q1', correct_answer: 'start' }),
    );
    expect(screen.queryByTestId('answer-missed')).toBeNull();
    expect(screen.getByTestId('answer-received')).toBeInTheDocument();
  });

  it('keeps answering open for a question the server does not list, and stores the submission id', async () => {
    const server = setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/K7PQ2M/participants': participant,
      'GET /v1/sessions/K7PQ2M': running,
      'POST /v1/sessions/K7PQ2M/answers': (body) =>
        json({ submission_id: (body as { submission_id: string }).submission_id, status: 'accepted' }, 202),
    });
    const user = await joinAndSnapshot(['q0']);
    expect(screen.getByTestId('choice-1')).toBeEnabled();
    await user.click(screen.getByTestId('choice-1'));
    await screen.findByTestId('answer-locked');

    const sent = server.calls.find((call) => call.route === 'POST /v1/sessions/K7PQ2M/answers');
    const submissionId = (sent?.body as { submission_id: string }).submission_id;
    const stored = JSON.parse(sessionStorage.getItem('quizcore.answers.K7PQ2M.u-ann') ?? '{}') as Record<
      string,
      { submission_id: string; answer: string }
    >;
    expect(stored.q1).toEqual({ submission_id: submissionId, answer: 'finish' });
  });

  it('formats my score and the leaderboard scores the same way', async () => {
    setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/K7PQ2M/participants': participant,
      'GET /v1/sessions/K7PQ2M': running,
    });
    await joinAndSnapshot([]);
    // The leaderboard shows between questions (not under the answer buttons).
    act(() =>
      FakeSocket.last().receive({ type: 'question.closed', seq: 8, question_id: 'q1', correct_answer: 'start' }),
    );
    const row = within(screen.getByTestId('leaderboard')).getByTestId('leaderboard-row');
    const shown = row.querySelector('.lb-score')?.textContent;
    expect(screen.getByTestId('my-score')).toHaveTextContent(/^6000$/);
    expect(shown).toBe(screen.getByTestId('my-score').textContent);
  });
});

describe('host', () => {
  it('creates a session, shows the ID and QR code, runs it and exports the results', async () => {
    window.history.replaceState(null, '', '/#/host');
    const user = userEvent.setup();
    let current = session('lobby', { participant_count: 0 });
    const server = setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'GET /v1/quizzes': () =>
        json({
          items: [
            { quiz_id: 'verbs', title: 'Everyday verbs', language: 'en', level: 'A2', question_count: 2 },
            { quiz_id: 'food', title: 'Food', language: 'en', level: 'A1', question_count: 5 },
          ],
        }),
      'POST /v1/sessions': (body) =>
        json({ session_id: 'K7PQ2M', ...(body as object), status: 'lobby', host_id: 'u-host' }, 201),
      'GET /v1/sessions/K7PQ2M': () => json(current),
      'POST /v1/sessions/K7PQ2M/start': () => {
        current = session('running', { question_index: 0, current_question: question('q1', 0) });
        return json({});
      },
      'POST /v1/sessions/K7PQ2M/finish': () => {
        current = session('finished');
        return json({});
      },
      'GET /v1/sessions/K7PQ2M/results': () => json(results),
    });

    await user.type(await screen.findByTestId('name-input'), 'host');
    await user.click(screen.getByTestId('host-sign-in'));
    const select = await screen.findByTestId('host-quiz-select');
    await waitFor(() => expect(within(select).getAllByRole('option')).toHaveLength(2));
    await user.selectOptions(select, 'food');
    await user.selectOptions(screen.getByTestId('host-mode-select'), 'live');
    await user.clear(screen.getByTestId('host-seconds-input'));
    await user.type(screen.getByTestId('host-seconds-input'), '15');
    await user.click(screen.getByTestId('host-create'));

    expect(await screen.findByTestId('host-session-id')).toHaveTextContent('K7PQ2M');
    // Kept for this browser: the quiz can be found again after closing the tab.
    await waitFor(() =>
      expect(JSON.parse(localStorage.getItem('quizcore.hosted') ?? '[]')).toEqual([
        { session_id: 'K7PQ2M', user_id: 'u-host' },
      ]),
    );
    const created = server.calls.find((call) => call.route === 'POST /v1/sessions');
    expect(created?.body).toEqual({
      quiz_id: 'food',
      mode: 'live',
      question_seconds: 15,
      close_when_all_answered: true,
    });
    const qr = screen.getByTestId('host-qr');
    expect(qr).toHaveAttribute('data-text', `${window.location.origin}/?join=K7PQ2M`);
    // This page is on localhost: phones could not open the link, and the lobby says so.
    expect(screen.getByTestId('host-link-local')).toHaveTextContent('make run ARGS=--lan');
    await waitFor(() => expect(qr.querySelector('svg')).not.toBeNull());

    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.last();
    act(() => {
      socket.open();
      socket.receive({ type: 'participant.joined', seq: 1, user_id: 'u-ann', display_name: 'ann', participant_count: 1 });
    });
    expect(screen.getByTestId('participant-count')).toHaveTextContent('1');

    await user.click(screen.getByTestId('host-start'));
    expect(await screen.findByTestId('question-prompt')).toHaveTextContent('begin');
    expect(screen.getByTestId('host-answer-count')).toHaveTextContent('–');
    // Not at once: a double click on "Start quiz" must not close the question.
    expect(screen.getByTestId('host-reveal')).toHaveAttribute('aria-disabled', 'true');
    await waitFor(() => expect(screen.getByTestId('host-reveal')).not.toHaveAttribute('aria-disabled'), {
      timeout: SETTLE_MS + 1000,
    });
    expect(screen.queryByTestId('host-next')).toBeNull();

    // Live count of the open question from the leaderboard frames' answer_counts.
    act(() =>
      socket.receive({
        type: 'leaderboard.updated',
        seq: 2,
        version: 1,
        participant_count: 1,
        entries: [{ rank: 1, user_id: 'u-ann', display_name: 'ann', score: 950 }],
        me: null,
        answer_counts: { q0: 4, q1: 1 },
      }),
    );
    expect(screen.getByTestId('host-answer-count')).toHaveTextContent('1');
    expect(screen.getByTestId('host-answer-count')).toHaveAttribute('data-count', '1');

    act(() =>
      socket.receive({
        type: 'question.closed',
        seq: 3,
        question_id: 'q1',
        correct_answer: 'start',
        answer_count: 1,
        correct_count: 1,
        choice_counts: { start: 1 },
      }),
    );
    expect(screen.getByTestId('host-correct-answer')).toHaveTextContent('start');
    expect(screen.getByTestId('host-answer-count')).toHaveTextContent('1');
    expect(screen.getByTestId('host-next')).toHaveTextContent('Next question');
    // Closed by the server, not by a press: a Space meant for "Show answer"
    // just then does not skip the reveal.
    expect(screen.getByTestId('host-next')).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId('host-answered-of')).toHaveTextContent('of 1 answered');
    // Bo joins at the reveal: he never had this question to answer.
    act(() =>
      socket.receive({ type: 'participant.joined', seq: 4, user_id: 'u-bo', display_name: 'bo', participant_count: 2 }),
    );
    expect(screen.getByTestId('host-answered-of')).toHaveTextContent('of 1 answered');

    // Finishing asks first; cancelling keeps the quiz running.
    await user.click(screen.getByTestId('host-finish'));
    const dialog = screen.getByTestId('finish-dialog');
    expect(dialog).toHaveTextContent('1 question will be marked as not played');
    await user.click(screen.getByTestId('finish-dialog-cancel'));
    expect(screen.queryByTestId('finish-dialog')).toBeNull();
    expect(server.calls.some((call) => call.route.endsWith('/finish'))).toBe(false);
    await user.click(screen.getByTestId('host-finish'));
    await user.click(screen.getByTestId('finish-dialog-confirm'));
    const podium = await screen.findByTestId('podium');
    expect(within(podium).getAllByTestId('podium-place')[0]).toHaveAttribute('data-user-id', 'u-ann');
    expect(within(screen.getByTestId('results-table')).getAllByTestId('results-row')).toHaveLength(2);
    const csv = screen.getByTestId('results-csv');
    await waitFor(() => expect(csv).toHaveAttribute('href', 'blob:results'));
    expect(csv).toHaveAttribute('download', 'quizcore-K7PQ2M-results.csv');
  });
});

describe('a host back after closing the tab', () => {
  const hostedHere = (ids: string[], userId = 'u-host') => {
    const kept = JSON.parse(localStorage.getItem('quizcore.hosted') ?? '[]') as unknown[];
    const added = ids.map((id) => ({ session_id: id, user_id: userId }));
    localStorage.setItem('quizcore.hosted', JSON.stringify([...kept, ...added]));
  };
  const signedInHost = () =>
    sessionStorage.setItem(
      'quizcore.token',
      JSON.stringify({ access_token: 'jwt-host', expires_at: Date.now() + 3_600_000, kind: 'dev', name: 'host', user_id: 'u-host' }),
    );

  it('is offered the quiz still open and the results of finished ones; gone ones are forgotten', async () => {
    window.history.replaceState(null, '', '/#/host');
    signedInHost();
    hostedHere(['K7PQ2M', 'X9RT4M', 'W3HN8P', 'B4CD7F']);
    hostedHere(['A2BC3D'], 'u-someone-else');
    setup({
      'GET /config.json': config,
      'GET /v1/quizzes': () => json({ items: [] }),
      'GET /v1/sessions/K7PQ2M': () => json(session('running', { question_index: 2, question_count: 8 })),
      'GET /v1/sessions/X9RT4M': () => json(session('finished', { session_id: 'X9RT4M' })),
      'GET /v1/sessions/B4CD7F': () => json(session('lobby', { session_id: 'B4CD7F', host_id: 'u-other' })),
    });

    const resume = await screen.findByTestId('host-resume');
    expect(resume).toHaveTextContent('Back to Everyday verbs · K7PQ2M · question 3 of 8');
    expect(resume).toHaveAttribute('href', '#/host/K7PQ2M');
    expect(screen.getAllByTestId('host-resume')).toHaveLength(1);
    // A finished quiz stays a click away from its results and CSV.
    const past = screen.getByTestId('host-past-link');
    expect(past).toHaveTextContent('Everyday verbs · X9RT4M · 1 player');
    expect(past).toHaveAttribute('href', '#/host/X9RT4M');
    await waitFor(() =>
      expect(JSON.parse(localStorage.getItem('quizcore.hosted') ?? '[]')).toEqual([
        { session_id: 'K7PQ2M', user_id: 'u-host' },
        { session_id: 'X9RT4M', user_id: 'u-host' },
        { session_id: 'A2BC3D', user_id: 'u-someone-else' },
      ]),
    );
  });

  it('typing their own quiz ID into Play gets the host screen, not a seat among the players', async () => {
    signedInHost();
    hostedHere(['K7PQ2M']);
    const user = userEvent.setup();
    const server = setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'GET /v1/sessions/K7PQ2M': () => json(session('lobby')),
    });

    await user.type(await screen.findByTestId('join-code-input'), 'K7PQ2M');
    await user.click(screen.getByTestId('join-button'));

    expect(await screen.findByTestId('presenter')).toBeInTheDocument();
    expect(window.location.hash).toBe('#/host/K7PQ2M');
    expect(server.calls.map((call) => call.route)).not.toContain('POST /v1/sessions/K7PQ2M/participants');
  });

  /** The app in a new tab of this browser: no token (it went with the old tab), the device key and name kept. */
  function newHostTab(routes: Record<string, Handler>) {
    const server = fakeServer(routes);
    const auth = new AuthStore(sessionStorage, Date.now, localStorage);
    const api = new ApiClient({ fetch: server.fetch, tokens: auth });
    auth.attach(api);
    render(<App api={api} auth={auth} WebSocket={FakeSocket} />);
    return server;
  }
  const hostRoutes = (): Record<string, Handler> => ({
    'GET /config.json': config,
    'POST /v1/dev/token': (body) => {
      const { name } = body as { name: string };
      return json({ access_token: `jwt-${name}`, token_type: 'Bearer', expires_in: 3600, user_id: 'u-host' });
    },
    'GET /v1/sessions/K7PQ2M': () => json(session('lobby')),
  });
  const keptDevice = (name: string | null) => {
    localStorage.setItem('quizcore.device_key', 'b'.repeat(48));
    if (name) localStorage.setItem('quizcore.last_name', name);
  };

  it("signs straight back in to the host's screen of a quiz hosted from this browser, in a new tab", async () => {
    window.history.replaceState(null, '', '/#/host/K7PQ2M');
    keptDevice('Ms Rivera');
    hostedHere(['K7PQ2M']);
    const server = newHostTab(hostRoutes());

    expect(await screen.findByTestId('host-start')).toBeInTheDocument();
    expect(screen.queryByTestId('name-input')).toBeNull();
    const tokens = server.calls.filter((call) => call.route === 'POST /v1/dev/token');
    expect(tokens).toHaveLength(1);
    expect(tokens[0].body).toEqual({ name: 'Ms Rivera', device_key: 'b'.repeat(48) });
    expect(screen.getByTestId('signed-in-as')).toHaveTextContent('Ms Rivera');
  });

  it('says which quiz the sign-in leads back to when the browser keeps no name', async () => {
    window.history.replaceState(null, '', '/#/host/K7PQ2M');
    keptDevice(null);
    hostedHere(['K7PQ2M']);
    const server = newHostTab(hostRoutes());

    expect(await screen.findByRole('heading', { name: 'Back to quiz K7PQ2M' })).toBeInTheDocument();
    expect(screen.getByTestId('host-sign-in-back')).toHaveTextContent('Sign in to get back to quiz K7PQ2M.');
    expect(screen.getByTestId('name-input')).toHaveValue('');
    expect(server.calls.some((call) => call.route === 'POST /v1/dev/token')).toBe(false);
  });

  it('asks, saying which quiz, for a quiz this browser never hosted', async () => {
    window.history.replaceState(null, '', '/#/host/K7PQ2M');
    keptDevice('ann');
    const server = newHostTab(hostRoutes());

    expect(await screen.findByRole('heading', { name: 'Back to quiz K7PQ2M' })).toBeInTheDocument();
    expect(screen.getByTestId('name-input')).toHaveValue('ann');
    expect(server.calls.some((call) => call.route === 'POST /v1/dev/token')).toBe(false);
  });

  it('shows the form, saying which quiz, when signing back in fails', async () => {
    window.history.replaceState(null, '', '/#/host/K7PQ2M');
    keptDevice('Ms Rivera');
    hostedHere(['K7PQ2M']);
    newHostTab({ ...hostRoutes(), 'POST /v1/dev/token': () => json({ status: 503, code: 'unavailable' }, 503) });

    expect(await screen.findByRole('heading', { name: 'Back to quiz K7PQ2M' })).toBeInTheDocument();
    expect(screen.getByTestId('name-input')).toHaveValue('Ms Rivera');
  });

  it('keeps "Host a quiz" on the host page itself', async () => {
    window.history.replaceState(null, '', '/#/host');
    newHostTab(hostRoutes());
    expect(await screen.findByRole('heading', { name: 'Host a quiz' })).toBeInTheDocument();
    expect(screen.queryByTestId('host-sign-in-back')).toBeNull();
  });

  it('sends another user of the same browser to play, not to the host screen', async () => {
    hostedHere(['K7PQ2M'], 'u-teacher');
    const server = setup(annJoinsTheLobby());

    await joinAs(userEvent.setup(), 'ann');

    expect(window.location.hash).toBe('#/play/K7PQ2M');
    expect(server.calls.map((call) => call.route)).toContain('POST /v1/sessions/K7PQ2M/participants');
  });
});

describe('classroom play', () => {
  it('gives no host control to another user who opens the host page', async () => {
    window.history.replaceState(null, '', '/#/host/K7PQ2M');
    const user = userEvent.setup();
    const server = setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'GET /v1/sessions/K7PQ2M': () => json(session('lobby')),
    });
    // Same name as the host, but another browser: another user (u-intruder).
    await user.type(await screen.findByTestId('name-input'), 'intruder');
    await user.click(screen.getByTestId('host-sign-in'));
    expect(await screen.findByTestId('not-host')).toBeInTheDocument();
    expect(screen.queryByTestId('host-start')).toBeNull();
    expect(screen.queryByTestId('host-finish')).toBeNull();
    const token = server.calls.find((call) => call.route === 'POST /v1/dev/token');
    expect((token?.body as { device_key: string }).device_key).toMatch(/^[0-9a-f]{48}$/);
  });

  it('comes back to the reveal after a reload, goes on with space, one step per press', async () => {
    window.history.replaceState(null, '', '/#/host/K7PQ2M');
    sessionStorage.setItem(
      'quizcore.token',
      JSON.stringify({ access_token: 'jwt-host', expires_at: Date.now() + 3_600_000, kind: 'dev', name: 'host', user_id: 'u-host' }),
    );
    const user = userEvent.setup();
    const server = setup({
      'GET /config.json': () =>
        json({ profile: 'local', dev_auth: true, public_url: 'http://192.168.1.20:8000/' }),
      'GET /v1/sessions/K7PQ2M': () =>
        json(
          session('running', {
            phase: 'reveal',
            question_index: 0,
            last_question: {
              ...question('q1', 0),
              correct_answer: 'start',
              answer_count: 2,
              correct_count: 1,
              choice_counts: { start: 1, hold: 1 },
            },
          }),
        ),
      'POST /v1/sessions/K7PQ2M/next': () => json({}),
      'POST /v1/sessions/K7PQ2M/reveal': () => json({}),
    });
    const called = (action: string) =>
      server.calls.filter((call) => call.route === `POST /v1/sessions/K7PQ2M/${action}`).length;
    expect(await screen.findByTestId('host-correct-answer')).toHaveTextContent('start');
    const bars = screen.getAllByTestId('answer-chart-bar');
    expect(bars.map((bar) => bar.dataset.count)).toEqual(['1', '0', '0', '1']);
    expect(screen.getByTestId('host-next')).toHaveTextContent('Next question');
    expect(screen.getByTestId('presenter')).toHaveAttribute('data-phase', 'reveal');
    await user.keyboard(' ');
    await waitFor(() => expect(called('next')).toBe(1));

    // The next question opens; a second press straight after the first
    // (a double-tapped space bar) does not close it at once.
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => {
      FakeSocket.last().open();
      FakeSocket.last().receive({ type: 'question.opened', seq: 9, ...question('q2', 1) });
    });
    const reveal = await screen.findByTestId('host-reveal');
    expect(reveal).toHaveAttribute('aria-disabled', 'true');
    await user.keyboard(' ');
    await user.keyboard('{PageDown}');
    expect(called('reveal')).toBe(0);

    // A moment later the button is back, and a presenter remote's "next" key takes the step.
    // (Room to spare for a machine busy with the other test files.)
    await waitFor(() => expect(reveal).not.toHaveAttribute('aria-disabled'), { timeout: SETTLE_MS + 3000 });
    expect(reveal).toHaveFocus();
    await user.keyboard('{PageDown}');
    await waitFor(() => expect(called('reveal')).toBe(1));
    // The test waits out a real second's guard: more than the default 5 s
    // once the machine is busy with the other test files.
  }, 15_000);

  it('uses the public URL from the config for the QR code', async () => {
    window.history.replaceState(null, '', '/#/host/K7PQ2M');
    sessionStorage.setItem(
      'quizcore.token',
      JSON.stringify({ access_token: 'jwt-host', expires_at: Date.now() + 3_600_000, kind: 'dev', name: 'host', user_id: 'u-host' }),
    );
    setup({
      'GET /config.json': () =>
        json({ profile: 'local', dev_auth: true, public_url: 'http://192.168.1.20:8000/' }),
      'GET /v1/sessions/K7PQ2M': () => json(session('lobby')),
    });
    expect(await screen.findByTestId('host-qr')).toHaveAttribute(
      'data-text',
      'http://192.168.1.20:8000/?join=K7PQ2M',
    );
    expect(screen.queryByTestId('host-link-local')).toBeNull();
  });

  it('says at once that an answer tapped offline is kept, without retrying first', async () => {
    window.history.replaceState(null, '', '/?join=K7PQ2M');
    const user = userEvent.setup();
    const offline = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    try {
      const server = setup({
        'GET /config.json': config,
        'POST /v1/dev/token': devToken,
        'POST /v1/sessions/K7PQ2M/participants': () =>
          json({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: null }, 201),
        'GET /v1/sessions/K7PQ2M': () =>
          json(session('running', { question_index: 0, current_question: question('q1', 0) })),
        'POST /v1/sessions/K7PQ2M/answers': () => {
          throw new TypeError('Failed to fetch');
        },
      });
      await user.type(await screen.findByTestId('name-input'), 'ann');
      await user.click(screen.getByTestId('join-button'));
      await user.click(await screen.findByTestId('choice-0'));
      await waitFor(
        () => expect(screen.getByTestId('answer-pending')).toHaveAttribute('data-waiting', 'true'),
        { timeout: 300 },
      );
      expect(server.calls.filter((call) => call.route === 'POST /v1/sessions/K7PQ2M/answers')).toHaveLength(1);
    } finally {
      offline.mockRestore();
    }
  });

  it('keeps an answer sent offline and resends it with the same id when back online', async () => {
    window.history.replaceState(null, '', '/?join=K7PQ2M');
    const user = userEvent.setup();
    let online = false;
    const server = setup({
      'GET /config.json': config,
      'POST /v1/dev/token': devToken,
      'POST /v1/sessions/K7PQ2M/participants': () =>
        json({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann 2', score: 0, rank: null }, 201),
      'GET /v1/sessions/K7PQ2M': () =>
        json(session('running', { question_index: 0, current_question: question('q1', 0) })),
      'POST /v1/sessions/K7PQ2M/answers': (body) => {
        if (!online) throw new TypeError('Failed to fetch');
        return json({
          submission_id: (body as { submission_id: string }).submission_id,
          status: 'scored',
          correct: true,
          points: 900,
          score: 900,
          rank: 1,
        });
      },
    });
    await user.type(await screen.findByTestId('name-input'), 'ann');
    await user.click(screen.getByTestId('join-button'));
    // The server's name for this player (another "ann" was there first).
    await waitFor(() => expect(screen.getByTestId('my-name')).toHaveTextContent('ann 2'));
    // The top bar too, not the name typed: the others see "ann 2".
    await waitFor(() => expect(screen.getByTestId('signed-in-as')).toHaveTextContent(/^ann 2$/));
    expect(screen.getByTestId('signed-in-as')).toHaveAttribute('title', 'Signed in as ann');
    // Cut at the end of the name's own direction (an Arabic name's beginning stays in sight).
    expect(screen.getByTestId('signed-in-as')).toHaveAttribute('dir', 'auto');
    await user.click(await screen.findByTestId('choice-0'));
    await waitFor(
      () => expect(screen.getByTestId('answer-pending')).toHaveAttribute('data-waiting', 'true'),
      { timeout: 5000 },
    );
    // Said plainly: the answer is timed when it arrives.
    expect(screen.getByTestId('answer-pending')).toHaveTextContent('It is timed when it arrives, and counts if that is before time is up');
    online = true;
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    expect(await screen.findByTestId('answer-locked', {}, { timeout: 5000 })).toHaveTextContent(
      'You answered start.',
    );
    const sent = server.calls.filter((call) => call.route === 'POST /v1/sessions/K7PQ2M/answers');
    expect(sent.length).toBeGreaterThanOrEqual(4);
    expect(new Set(sent.map((call) => (call.body as { submission_id: string }).submission_id)).size).toBe(1);
  }, 20_000);
});
