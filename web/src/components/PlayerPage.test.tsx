import { act, cleanup, render, screen } from '@testing-library/react';
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

/** `timedOut` served afresh: open now, for `ms` more, with `extra` changed. */
const openFor = (ms: number, extra: Partial<Question> = {}): Question => ({
  ...timedOut,
  ...extra,
  opens_at: new Date().toISOString(),
  closes_at: new Date(Date.now() + ms).toISOString(),
});

/** The choices of every choice question here. */
const startOrStop: Partial<Question> = { kind: 'choice', choices: ['start', 'stop'] };

/** Question `index + 1` of a self-paced quiz, open for 20 s: "start" or "stop". */
const choiceQuestion = (index: number): Question => ({
  question_id: `q${index + 1}`,
  index,
  prompt: `Question number ${index + 1}`,
  kind: 'choice',
  choices: ['start', 'stop'],
  opens_at: new Date().toISOString(),
  closes_at: new Date(Date.now() + 20_000).toISOString(),
});

/** The API as Ann finds it: she joins `session` and reads it; `calls` adds the rest. */
function annIn<Calls extends object>(session: SessionInfo, calls: Calls) {
  return {
    join: vi.fn(async () => ({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 0, rank: null })),
    getSession: vi.fn(async () => ({ session, offsetMs: 0 })),
    ...calls,
  };
}

/** The server scoring Ann's answer: right (950 points) or wrong. */
const scored = (correct: boolean) => async (_session: string, body: { submission_id: string }) => ({
  submission_id: body.submission_id,
  status: 'scored',
  correct,
  points: correct ? 950 : 0,
  score: correct ? 950 : 0,
  rank: 1,
});

/** Ann's page of K7PQ2M, on the given API; returns its way back to the start. */
function renderPlayer(api: object, onLocked?: (sessionId: string) => void) {
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
      onLocked={onLocked}
    />,
  );
  return onLeave;
}

/** Ann's live socket, once the page opens it: it hears `session`'s snapshot, then `question` open. */
async function liveSocket(session: SessionInfo, question?: Question) {
  await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
  const socket = FakeSocket.last();
  act(() => {
    socket.open();
    socket.receive({ type: 'session.snapshot', seq: 1, server_time: new Date().toISOString(), session });
    if (question) socket.receive({ type: 'question.opened', seq: 2, ...question });
  });
  return socket;
}

beforeEach(() => {
  FakeSocket.reset();
});

describe('PlayerPage in a self-paced quiz', () => {
  it('says the end is reached, not that every question was answered, after letting them time out', async () => {
    const user = userEvent.setup();
    const currentQuestion = vi.fn<() => Promise<Question | null>>();
    currentQuestion.mockResolvedValueOnce(timedOut).mockResolvedValue(null);
    const api = annIn(selfPaced, { currentQuestion });
    renderPlayer(api);

    // Not answered: time ran out, and the player moves on.
    await user.click(await screen.findByTestId('next-question'));
    const end = await screen.findByTestId('all-answered');
    expect(end).toHaveTextContent('You have reached the end of the quiz.');
    expect(end).toHaveTextContent('The results come when the host finishes the quiz.');
    expect(end).not.toHaveTextContent('answered');
  });
});

describe('PlayerPage of a self-paced player coming back', () => {
  function annServed(...served: (Question | null)[]) {
    const currentQuestion = vi.fn<() => Promise<Question | null>>();
    for (const next of served) currentQuestion.mockResolvedValueOnce(next);
    return annIn(
      { ...selfPaced, question_count: 5 },
      {
        currentQuestion,
        submitAnswer: vi.fn(async () => ({ submission_id: 's1', status: 'accepted' })),
        getAnswer: vi.fn(async () => ({ submission_id: 's1', status: 'accepted' })),
      },
    );
  }

  it('says that the question left open ran out while they were away', async () => {
    // Question 4 was on screen, unanswered, when the tab closed; the server now serves 5.
    renderPlayer(annServed(choiceQuestion(3)));
    expect(await screen.findByTestId('question-prompt')).toHaveTextContent('Question number 4');
    expect(screen.queryByTestId('ran-out-away')).toBeNull();
    cleanup();

    renderPlayer(annServed(choiceQuestion(4)));
    expect(await screen.findByTestId('ran-out-away')).toHaveTextContent(
      'Question 4 ran out while you were away.',
    );
    expect(screen.getByTestId('question-prompt')).toHaveTextContent('Question number 5');
  });

  it('says nothing after a reload onto the same question, or after answering it', async () => {
    const user = userEvent.setup();
    renderPlayer(annServed(choiceQuestion(3)));
    expect(await screen.findByTestId('question-prompt')).toHaveTextContent('Question number 4');
    cleanup();

    renderPlayer(annServed(choiceQuestion(3)));
    await user.click(await screen.findByTestId('choice-0'));
    expect(screen.queryByTestId('ran-out-away')).toBeNull();
    cleanup();

    renderPlayer(annServed(choiceQuestion(4)));
    expect(await screen.findByTestId('question-prompt')).toHaveTextContent('Question number 5');
    expect(screen.queryByTestId('ran-out-away')).toBeNull();
  });
});

describe('PlayerPage showing the right answer (self-paced homework)', () => {
  const notYet = () => new ApiError(403, 'forbidden', 'Forbidden', 'the answer to q1 is not shown yet');

  /** Ann's self-paced quiz: the questions served in turn, every answer scored wrong. */
  function annAnswersWrong(...served: Question[]) {
    const currentQuestion = vi.fn<() => Promise<Question | null>>();
    for (const next of served) currentQuestion.mockResolvedValueOnce(next);
    return annIn(
      { ...selfPaced, question_count: served.length },
      {
        currentQuestion,
        submitAnswer: vi.fn(scored(false)),
        questionAnswer: vi.fn(async (_session: string, questionId: string) => ({
          question_id: questionId,
          index: 0,
          correct_answer: 'start',
        })),
      },
    );
  }

  it('shows the right answer after a wrong one, with "Next question"', async () => {
    const user = userEvent.setup();
    const api = annAnswersWrong(choiceQuestion(0));
    renderPlayer(api);
    await user.click(await screen.findByTestId('choice-1'));

    const feedback = await screen.findByTestId('answer-feedback');
    expect(feedback).toHaveAttribute('data-correct', 'false');
    expect(await screen.findByTestId('right-answer')).toHaveTextContent('The answer: start');
    expect(feedback).toContainElement(screen.getByTestId('right-answer'));
    expect(api.questionAnswer).toHaveBeenCalledWith('K7PQ2M', 'q1');
    expect(screen.getByTestId('next-question')).toBeEnabled();
  });

  it('marks the right choice among the faded ones after a wrong answer, with a tick and in words', async () => {
    const user = userEvent.setup();
    renderPlayer(annAnswersWrong(choiceQuestion(0)));
    await user.click(await screen.findByTestId('choice-1'));
    await screen.findByTestId('right-answer');

    const right = screen.getByTestId('choice-0');
    // The tick is drawn in the letter's place by `.choice.is-correct` (CSS).
    expect(right).toHaveClass('is-correct');
    expect(right).toHaveAccessibleName(/^start ?\(correct answer\)$/);
    expect(screen.getByTestId('choice-1')).toHaveClass('is-wrong');
    expect(screen.getByTestId('choice-1')).not.toHaveClass('is-correct');
  });

  it('asks for nothing after a right answer', async () => {
    const user = userEvent.setup();
    const api = annAnswersWrong(choiceQuestion(0));
    api.submitAnswer.mockImplementation(scored(true));
    renderPlayer(api);
    await user.click(await screen.findByTestId('choice-0'));
    expect(await screen.findByTestId('answer-feedback')).toHaveAttribute('data-correct', 'true');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.questionAnswer).not.toHaveBeenCalled();
    expect(screen.queryByTestId('right-answer')).toBeNull();
  });

  it('shows it once the time ran out, asking again while the server is still in its grace', async () => {
    const typed = openFor(800);
    const api = annAnswersWrong(typed);
    api.questionAnswer.mockRejectedValueOnce(notYet()).mockResolvedValueOnce({
      question_id: 'q1',
      index: 0,
      correct_answer: 'hello',
    });
    renderPlayer(api);
    // Nothing typed: the time runs out on an empty box.
    expect(await screen.findByTestId('text-answer-input')).toBeEnabled();

    const missed = await screen.findByTestId('answer-missed');
    expect(missed).toHaveTextContent('Time is up.');
    expect(screen.getByTestId('text-answer-input')).toBeDisabled();
    expect(screen.getByTestId('next-question')).toBeEnabled();
    expect(await screen.findByTestId('right-answer', {}, { timeout: 2000 })).toHaveTextContent(
      'The answer: hello',
    );
    expect(missed).toContainElement(screen.getByTestId('right-answer'));
    expect(api.questionAnswer).toHaveBeenCalledTimes(2);
    expect(api.submitAnswer).not.toHaveBeenCalled();
  });

  it('stays silent when the host keeps the answers for the end, and stops asking', async () => {
    const user = userEvent.setup();
    const api = annAnswersWrong(choiceQuestion(0), choiceQuestion(1), {
      ...choiceQuestion(2),
      closes_at: new Date(Date.now() - 1000).toISOString(),
    });
    api.questionAnswer.mockRejectedValue(notYet());
    renderPlayer(api);
    await user.click(await screen.findByTestId('choice-1'));
    expect(await screen.findByTestId('answer-feedback')).toHaveAttribute('data-correct', 'false');
    await vi.waitFor(() => expect(api.questionAnswer).toHaveBeenCalledTimes(1));

    // Another wrong answer, then a question out of time: not asked again.
    await user.click(screen.getByTestId('next-question'));
    expect(await screen.findByText('Question number 2')).toBeInTheDocument();
    await user.click(screen.getByTestId('choice-1'));
    await vi.waitFor(() => expect(screen.getByTestId('answer-feedback')).toHaveAttribute('data-correct', 'false'));
    await user.click(screen.getByTestId('next-question'));
    expect(await screen.findByTestId('answer-missed')).toHaveTextContent('Time is up.');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(api.questionAnswer).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('right-answer')).toBeNull();
  });
});

describe('PlayerPage from the keyboard', () => {

  function annAnswers() {
    return annIn(
      { ...selfPaced, question_count: 2 },
      {
        currentQuestion: vi
          .fn<() => Promise<Question | null>>()
          .mockResolvedValueOnce(choiceQuestion(0))
          .mockResolvedValueOnce(choiceQuestion(1)),
        submitAnswer: vi.fn(scored(true)),
      },
    );
  }

  it('puts the focus on the first choice as a question opens, and on the result once answered', async () => {
    const user = userEvent.setup();
    renderPlayer(annAnswers());
    const first = await screen.findByTestId('choice-0');
    await vi.waitFor(() => expect(first).toHaveFocus());

    await user.keyboard('{Enter}');
    expect(await screen.findByTestId('answer-feedback')).toHaveFocus();

    await user.tab();
    expect(screen.getByTestId('next-question')).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(await screen.findByText('Question number 2')).toBeInTheDocument();
    await vi.waitFor(() => expect(screen.getByTestId('choice-0')).toHaveFocus());
  });

  it('leaves the focus in a field being typed in elsewhere on the page', async () => {
    const elsewhere = document.createElement('input');
    document.body.append(elsewhere);
    elsewhere.focus();
    try {
      renderPlayer(annAnswers());
      expect(await screen.findByTestId('choice-0')).toBeEnabled();
      expect(elsewhere).toHaveFocus();
    } finally {
      elsewhere.remove();
    }
  });
});

describe('PlayerPage when the quiz ends', () => {
  it('says that a typed answer was not sent', async () => {
    const user = userEvent.setup();
    const typed = openFor(20_000);
    const api = annIn(selfPaced, {
      currentQuestion: vi.fn(async () => typed),
      results: vi.fn(() => new Promise(() => undefined)),
    });
    renderPlayer(api);
    await user.type(await screen.findByTestId('text-answer-input'), 'hello ');
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => {
      FakeSocket.last().open();
      FakeSocket.last().receive({ type: 'session.finished', seq: 2, entries: [] });
    });

    expect(await screen.findByTestId('draft-not-sent')).toHaveTextContent(
      'You typed “hello” but it was not sent before the quiz ended, so it did not count.',
    );
  });

  it('says "Open", not "Live", over a self-paced quiz, and nothing once it is over', async () => {
    const api = annIn(selfPaced, {
      currentQuestion: vi.fn(async () => openFor(20_000, startOrStop)),
      results: vi.fn(() => new Promise(() => undefined)),
    });
    renderPlayer(api);
    expect(await screen.findByTestId('choice-0')).toBeEnabled();
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => FakeSocket.last().open());
    // "Live" would read as the other mode: the host's screen says "Open" too.
    const status = await screen.findByTestId('connection-status');
    await vi.waitFor(() => expect(status).toHaveAttribute('data-status', 'open'));
    expect(status).toHaveTextContent('Open');
    expect(status).not.toHaveTextContent('Live');
    act(() => FakeSocket.last().receive({ type: 'session.finished', seq: 2, entries: [] }));
    await vi.waitFor(() => expect(screen.queryByTestId('connection-status')).toBeNull());
    expect(screen.getByRole('group', { name: 'Your standing' })).not.toHaveTextContent('Live');
  });
});

describe('PlayerPage in a live quiz', () => {
  it('tells a player who had not answered that the host closed the question, not that time was up', async () => {
    const live: SessionInfo = { ...selfPaced, mode: 'live', question_index: 0 };
    renderPlayer(annIn(live, {}));
    const socket = await liveSocket(live, openFor(20_000, startOrStop));
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

  it('says the results come next after the last question, not another question', async () => {
    const live: SessionInfo = { ...selfPaced, mode: 'live', question_index: 0, question_count: 1 };
    renderPlayer(annIn(live, {}));
    const socket = await liveSocket(live, openFor(20_000, startOrStop));
    expect(await screen.findByTestId('choice-0')).toBeEnabled();
    act(() =>
      socket.receive({ type: 'question.closed', seq: 3, question_id: 'q1', correct_answer: 'start' }),
    );
    expect(await screen.findByTestId('reveal-next')).toHaveTextContent(
      'That was the last question: the results come next.',
    );
  });
});

describe("PlayerPage's header", () => {
  it('cuts a right-to-left name at its own end, the first name in sight', async () => {
    const api = {
      ...annIn(selfPaced, {}),
      join: vi.fn(async () => ({
        session_id: 'K7PQ2M',
        user_id: 'u-ahmad',
        display_name: 'أحمد الشمري',
        score: 0,
        rank: null,
      })),
    };
    renderPlayer(api);
    const name = await screen.findByTestId('my-name');
    await vi.waitFor(() => expect(name).toHaveTextContent(/^أحمد الشمري$/));
    // The element that cuts the name takes its direction, so Chromium puts
    // the ellipsis at the end of the Arabic (on the left); a <bdi> inside
    // would hide the name from `dir="auto"` and leave it cut on the right.
    expect(name).toHaveAttribute('dir', 'auto');
    expect(name.querySelector('bdi')).toBeNull();
  });
});

describe('PlayerPage joining at a reveal', () => {
  /** A live quiz of `count` questions, at the reveal of question 1 (its answer "start"). */
  const atReveal = (count: number): SessionInfo => ({
    ...selfPaced,
    mode: 'live',
    question_index: 0,
    question_count: count,
    phase: 'reveal',
    last_question: {
      ...openFor(-5_000, startOrStop),
      correct_answer: 'start',
      answer_count: 3,
      correct_count: 2,
      correct_share: 2 / 3,
      choice_counts: { start: 2, stop: 1 },
    },
  });

  it('promises the next question to a player joining at a reveal', async () => {
    renderPlayer(annIn(atReveal(2), {}));
    expect(await screen.findByTestId('joined-at-reveal')).toHaveTextContent('the next one is yours');
  });

  it('tells a player joining at the last reveal that the results come next, not another question', async () => {
    renderPlayer(annIn(atReveal(1), {}));
    const note = await screen.findByTestId('joined-at-reveal');
    expect(note).toHaveTextContent("You're in! The quiz is about to end: the results come next.");
    expect(note).not.toHaveTextContent('next one');
  });

  it('shows the ordinary reveal to a player with points who reloads at it, not the newcomer text', async () => {
    const api = {
      ...annIn(atReveal(3), {}),
      join: vi.fn(async () => ({ session_id: 'K7PQ2M', user_id: 'u-ann', display_name: 'ann', score: 505, rank: 2 })),
    };
    renderPlayer(api);
    expect(await screen.findByTestId('answer-missed')).toHaveTextContent('Time is up.');
    expect(screen.queryByTestId('joined-at-reveal')).toBeNull();
  });

  it('knows a question this tab showed open, through a reload at its reveal', async () => {
    sessionStorage.setItem('quizcore.seenOpen.K7PQ2M.u-ann', JSON.stringify(['q1']));
    try {
      renderPlayer(annIn(atReveal(3), {}));
      expect(await screen.findByTestId('answer-missed')).toBeInTheDocument();
      expect(screen.queryByTestId('joined-at-reveal')).toBeNull();
    } finally {
      sessionStorage.removeItem('quizcore.seenOpen.K7PQ2M.u-ann');
    }
  });
});

describe("PlayerPage at a typed question's reveal", () => {
  it('never asks for nor shows what the class typed: that is for the host', async () => {
    const live: SessionInfo = { ...selfPaced, mode: 'live', question_index: 0 };
    const api = annIn(live, { questionResponses: vi.fn() });
    renderPlayer(api);
    const socket = await liveSocket(live, openFor(20_000));
    expect(await screen.findByTestId('text-answer-input')).toBeEnabled();
    act(() =>
      socket.receive({ type: 'question.closed', seq: 3, question_id: 'q1', correct_answer: 'hello', answer_count: 4 }),
    );
    expect(await screen.findByTestId('host-correct-answer')).toHaveTextContent('hello');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.questionResponses).not.toHaveBeenCalled();
    expect(screen.queryByTestId('typed-answers')).toBeNull();
  });
});

describe('PlayerPage in a live quiz, out of time', () => {
  it('never asks for the right answer: the reveal shows it to the room', async () => {
    const live: SessionInfo = { ...selfPaced, mode: 'live', question_index: 0 };
    const api = annIn(live, { questionAnswer: vi.fn() });
    renderPlayer(api);
    await liveSocket(live, timedOut);
    expect(await screen.findByTestId('answer-missed')).toHaveTextContent('Time is up.');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.questionAnswer).not.toHaveBeenCalled();
  });
});

describe('PlayerPage of a player the host removed', () => {
  const lobby: SessionInfo = { ...selfPaced, mode: 'live', status: 'lobby', participant_count: 2 };
  const open = openFor(20_000, startOrStop);

  function lobbyApi() {
    return annIn(lobby, {
      leaderboard: vi.fn(async () => {
        throw new ApiError(403, 'not_participant', 'Forbidden', 'not a participant');
      }),
    });
  }

  /** Ann in the lobby with her live socket open. */
  async function inLobby() {
    const api = lobbyApi();
    const onLeave = renderPlayer(api);
    const socket = await liveSocket(lobby);
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

describe('PlayerPage of a quiz the host locked', () => {
  const lockedJoin = () => ({
    join: vi.fn(async () => {
      throw new ApiError(409, 'session_locked', 'Conflict', 'the host locked session K7PQ2M: ask them to let you in');
    }),
    getSession: vi.fn(),
  });

  it('hands back to the join form, which says so, without an error page in between', async () => {
    const api = lockedJoin();
    const onLocked = vi.fn();
    renderPlayer(api, onLocked);
    await vi.waitFor(() => expect(onLocked).toHaveBeenCalledWith('K7PQ2M'));
    expect(screen.queryByTestId('player-error')).toBeNull();
    expect(api.getSession).not.toHaveBeenCalled();
  });

  it('says the quiz is locked where no join form takes over', async () => {
    renderPlayer(lockedJoin());
    expect(await screen.findByTestId('player-error')).toHaveTextContent(
      'This quiz is locked. Ask your teacher to let you in.',
    );
  });
});

describe('PlayerPage sending a typed answer as the time runs out', () => {
  const live: SessionInfo = { ...selfPaced, mode: 'live', question_index: 0, question_count: 2 };

  /** The server's refusal of an answer that arrived after the deadline and its grace. */
  const tooLate = () => new ApiError(409, 'question_closed', 'Question closed', 'question q1 closed');

  it('sends what is in the box once, by the same path as Submit, and says so (self-paced)', async () => {
    const user = userEvent.setup();
    const api = annIn(selfPaced, {
      currentQuestion: vi.fn(async () => openFor(900)),
      submitAnswer: vi.fn(scored(true)),
    });
    renderPlayer(api);
    await user.type(await screen.findByTestId('text-answer-input'), 'hello ');
    // Not Submit, not Enter: the time runs out on it.
    const feedback = await screen.findByTestId('answer-feedback', {}, { timeout: 2000 });
    expect(feedback).toHaveAttribute('data-correct', 'true');
    expect(feedback).toHaveTextContent('You wrote “hello”.');
    expect(screen.getByTestId('answer-auto-sent')).toHaveTextContent('Sent when time ran out.');
    expect(screen.queryByTestId('answer-missed')).toBeNull();
    expect(api.submitAnswer).toHaveBeenCalledTimes(1);
    const [, body, wait] = api.submitAnswer.mock.calls[0] as unknown as [string, Record<string, string>, number];
    expect(body).toMatchObject({ question_id: 'q1', answer: 'hello' });
    expect(wait).toBe(2);
    // Its submission id was kept before it went, as for Submit (a reload finds it).
    const kept = JSON.parse(sessionStorage.getItem('quizcore.answers.K7PQ2M.u-ann') ?? '{}') as Record<
      string,
      { submission_id: string }
    >;
    expect(kept.q1.submission_id).toBe(body.submission_id);
    // The box shows it as the answer; nothing more goes.
    expect(screen.getByTestId('text-answer-input')).toHaveValue('hello');
    expect(screen.getByTestId('text-answer-input')).toBeDisabled();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.submitAnswer).toHaveBeenCalledTimes(1);
  });

  it('sends nothing more when Enter went just before the time ran out', async () => {
    const user = userEvent.setup();
    // Still on its way when the countdown reaches 0.
    const api = annIn(selfPaced, {
      currentQuestion: vi.fn(async () => openFor(900)),
      submitAnswer: vi.fn(() => new Promise(() => undefined)),
    });
    renderPlayer(api);
    await user.type(await screen.findByTestId('text-answer-input'), 'hello{Enter}');
    expect(await screen.findByTestId('answer-pending')).toHaveTextContent('Sending your answer…');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(api.submitAnswer).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('answer-auto-sent')).toBeNull();
  });

  it('says "Time is up." and sends nothing when the box is empty', async () => {
    const api = annIn(selfPaced, {
      currentQuestion: vi.fn(async () => openFor(500)),
      submitAnswer: vi.fn(scored(true)),
      questionAnswer: vi.fn(() => new Promise(() => undefined)),
    });
    renderPlayer(api);
    expect(await screen.findByTestId('answer-missed', {}, { timeout: 2000 })).toHaveTextContent('Time is up.');
    expect(api.submitAnswer).not.toHaveBeenCalled();
    expect(screen.queryByTestId('draft-not-sent')).toBeNull();
  });

  it('says the typed text did not count when the server refuses it as too late, and shows the answer', async () => {
    const user = userEvent.setup();
    const api = annIn(selfPaced, {
      currentQuestion: vi.fn(async () => openFor(900)),
      submitAnswer: vi.fn(async () => {
        throw tooLate();
      }),
      questionAnswer: vi.fn(async () => ({ question_id: 'q1', index: 0, correct_answer: 'hello' })),
    });
    renderPlayer(api);
    await user.type(await screen.findByTestId('text-answer-input'), 'helo');
    const note = await screen.findByTestId('draft-not-sent', {}, { timeout: 2000 });
    // Sent by the phone as the time ran out: not the learner's fault, and said so.
    expect(note).toHaveTextContent('Your answer “helo” reached the server too late to count.');
    expect(note).not.toHaveTextContent('not sent');
    const missed = screen.getByTestId('answer-missed');
    expect(missed).toHaveTextContent('Time is up.');
    expect(missed).toContainElement(note);
    expect(screen.queryByTestId('answer-error')).toBeNull();
    // Over unanswered after all: the homework's right answer is read.
    expect(await screen.findByTestId('right-answer')).toHaveTextContent('The answer: hello');
    expect(api.submitAnswer).toHaveBeenCalledTimes(1);
  });

  it('sends it in a live quiz too, and the reveal shows it as the answer', async () => {
    const user = userEvent.setup();
    const api = annIn(live, { submitAnswer: vi.fn(scored(false)) });
    renderPlayer(api);
    const socket = await liveSocket(live, openFor(900));
    await user.type(await screen.findByTestId('text-answer-input'), 'helo');

    // Locked in: the result waits for the reveal, and says how it went.
    const locked = await screen.findByTestId('answer-locked', {}, { timeout: 2000 });
    expect(locked).toHaveTextContent('You answered helo.');
    expect(locked).toHaveTextContent('Sent when time ran out.');
    expect(api.submitAnswer).toHaveBeenCalledTimes(1);

    act(() =>
      socket.receive({ type: 'question.closed', seq: 3, question_id: 'q1', correct_answer: 'hello', answer_count: 1 }),
    );
    const feedback = await screen.findByTestId('answer-feedback');
    expect(feedback).toHaveAttribute('data-correct', 'false');
    expect(feedback).toHaveTextContent('You wrote “helo”.');
    expect(feedback).toHaveTextContent('Sent when time ran out.');
    expect(screen.queryByTestId('draft-not-sent')).toBeNull();
  });

  it('says at the reveal that the typed text did not count when it arrived too late (live)', async () => {
    const user = userEvent.setup();
    const api = annIn(live, {
      submitAnswer: vi.fn(async () => {
        throw tooLate();
      }),
    });
    renderPlayer(api);
    const socket = await liveSocket(live, openFor(900));
    await user.type(await screen.findByTestId('text-answer-input'), 'hello');
    await vi.waitFor(() => expect(api.submitAnswer).toHaveBeenCalledTimes(1), { timeout: 2000 });

    act(() =>
      socket.receive({ type: 'question.closed', seq: 3, question_id: 'q1', correct_answer: 'hello', answer_count: 0 }),
    );
    const missed = await screen.findByTestId('answer-missed');
    expect(missed).toHaveTextContent('Time is up.');
    expect(missed).toHaveTextContent('The answer was hello.');
    expect(screen.getByTestId('draft-not-sent')).toHaveTextContent(
      'Your answer “hello” reached the server too late to count.',
    );
    expect(screen.queryByTestId('answer-error')).toBeNull();
  });

  it('says at the reveal what was typed and not sent when the host showed the answer first', async () => {
    const user = userEvent.setup();
    const api = annIn(live, { submitAnswer: vi.fn(scored(true)) });
    renderPlayer(api);
    const socket = await liveSocket(live, openFor(20_000));
    await user.type(await screen.findByTestId('text-answer-input'), 'hello');

    act(() =>
      socket.receive({
        type: 'question.closed',
        seq: 3,
        question_id: 'q1',
        correct_answer: 'hello',
        closed_at: new Date().toISOString(),
      }),
    );
    const missed = await screen.findByTestId('answer-missed');
    expect(missed).toHaveTextContent('The host closed this question before you answered.');
    expect(screen.getByTestId('draft-not-sent')).toHaveTextContent(
      'You typed “hello” but it was not sent in time, so it did not count.',
    );
    // Nothing goes after the close: the server would refuse it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.submitAnswer).not.toHaveBeenCalled();
  });

  it('says "Live" over a live quiz', async () => {
    renderPlayer(annIn(live, {}));
    await liveSocket(live);
    const status = await screen.findByTestId('connection-status');
    await vi.waitFor(() => expect(status).toHaveAttribute('data-status', 'open'));
    expect(status).toHaveTextContent('Live');
  });
});

describe('PlayerPage keeping a typed draft through a reload', () => {
  /** Ann's self-paced page serving `question` (again after a reload). */
  function annServing(question: Question) {
    return annIn(selfPaced, {
      currentQuestion: vi.fn(async () => question),
      submitAnswer: vi.fn(scored(true)),
    });
  }
  const kept = () => sessionStorage.getItem('quizcore.typedDraft.K7PQ2M.u-ann');

  it('puts the text back in the box after a reload while the question is open, then forgets it once sent', async () => {
    const user = userEvent.setup();
    const question = openFor(20_000);
    renderPlayer(annServing(question));
    await user.type(await screen.findByTestId('text-answer-input'), 'hel');
    expect(JSON.parse(kept() ?? 'null')).toEqual({ question_id: 'q1', text: 'hel' });
    cleanup();
    FakeSocket.reset();

    const api = annServing(question);
    renderPlayer(api);
    const box = await screen.findByTestId('text-answer-input');
    await vi.waitFor(() => expect(box).toHaveValue('hel'));
    expect(box).toBeEnabled();
    expect(screen.getByTestId('submit-answer')).toBeEnabled();
    await user.type(box, 'lo{Enter}');
    expect(await screen.findByTestId('answer-feedback')).toHaveAttribute('data-correct', 'true');
    expect(api.submitAnswer.mock.calls[0]?.[1]).toMatchObject({ answer: 'hello' });
    expect(kept()).toBeNull();
  });

  it('forgets it once the question is over, and does not put it back then', async () => {
    const user = userEvent.setup();
    renderPlayer(annIn(selfPaced, { currentQuestion: vi.fn(async () => openFor(20_000)) }));
    await user.type(await screen.findByTestId('text-answer-input'), 'hel');
    expect(kept()).not.toBeNull();
    cleanup();
    FakeSocket.reset();

    // Back after its time ran out: nothing to restore, nothing sent.
    const api = annIn(selfPaced, {
      currentQuestion: vi.fn(async () => timedOut),
      submitAnswer: vi.fn(scored(true)),
      questionAnswer: vi.fn(() => new Promise(() => undefined)),
    });
    renderPlayer(api);
    expect(await screen.findByTestId('answer-missed')).toHaveTextContent('Time is up.');
    expect(screen.getByTestId('text-answer-input')).toHaveValue('');
    await vi.waitFor(() => expect(kept()).toBeNull());
    expect(api.submitAnswer).not.toHaveBeenCalled();
  });

  it('keeps nothing once the box is emptied', async () => {
    const user = userEvent.setup();
    renderPlayer(annServing(openFor(20_000)));
    const box = await screen.findByTestId('text-answer-input');
    await user.type(box, 'hi');
    expect(kept()).not.toBeNull();
    await user.clear(box);
    expect(kept()).toBeNull();
  });
});

describe("PlayerPage's final results", () => {
  it("adds the player's own answers (my_answers) to the questions' table", async () => {
    const finished: SessionInfo = { ...selfPaced, status: 'finished', question_count: 2 };
    const results = vi.fn(async () => ({
      session_id: 'K7PQ2M',
      title: 'Everyday verbs',
      standings: [{ rank: 1, user_id: 'u-ann', display_name: 'ann', score: 950, correct_count: 1 }],
      questions: [
        {
          question_id: 'q1',
          index: 0,
          prompt: 'begin',
          correct_answer: 'start',
          answer_count: 1,
          correct_count: 1,
          correct_share: 1,
          choice_counts: { start: 1 },
          played: true,
        },
        {
          question_id: 'q2',
          index: 1,
          prompt: 'bonjour',
          correct_answer: 'hello',
          answer_count: 0,
          correct_count: 0,
          correct_share: null,
          choice_counts: null,
          played: true,
        },
      ],
      my_answers: { q1: { answer: 'start', correct: true, points: 950 } },
    }));
    renderPlayer(annIn(finished, { results }));
    const table = await screen.findByTestId('results-questions');
    expect(screen.getByRole('columnheader', { name: 'Your answer' })).toBeInTheDocument();
    expect(table).toContainElement(screen.getAllByTestId('results-my-answer')[0]);
    expect(screen.getAllByTestId('results-my-answer').map((cell) => cell.textContent)).toEqual([
      'start ✓ right · 950 points',
      'no answer',
    ]);
    // A phone asks for the top of the standings only (its own comes as `me`).
    expect(results).toHaveBeenCalledWith('K7PQ2M', 10);
  });
});
