import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient, Question, SessionInfo } from '../api';
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

/** Ann's page of K7PQ2M, on the given API. */
function renderPlayer(api: object) {
  render(
    <PlayerPage
      sessionId="K7PQ2M"
      deps={{
        api: api as unknown as ApiClient,
        freshToken: async () => 'jwt-ann',
        WebSocket: FakeSocket,
        location: { protocol: 'http:', host: 'localhost' },
      }}
      onLeave={vi.fn()}
      onUnauthorized={vi.fn()}
    />,
  );
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
