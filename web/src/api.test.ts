import { describe, expect, it, vi } from 'vitest';
import {
  ANSWER_TIMEOUT_MS,
  ApiClient,
  ApiError,
  clockOffset,
  readQuestion,
  readQuestionResponses,
  readQuestionStats,
  readResults,
  RequestTimeout,
} from './api';
import { typedResponses } from './test/fixtures';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function problem(status: number, code: string, detail = ''): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: 'Nope', status, code, detail }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

function setup(responses: Response[], token: string | null = 'tok') {
  const fetch = vi.fn<typeof globalThis.fetch>();
  for (const response of responses) fetch.mockResolvedValueOnce(response);
  const api = new ApiClient({ fetch, tokens: { get: () => token } });
  const call = (index = 0) => {
    const [url, init] = fetch.mock.calls[index];
    return { url: String(url), init: init ?? {}, headers: (init?.headers ?? {}) as Record<string, string> };
  };
  return { api, fetch, call };
}

describe('ApiClient', () => {
  it('sends the bearer token and JSON body when creating a session', async () => {
    const created = { session_id: 'ABCDEF', quiz_id: 'q', mode: 'live', status: 'lobby', host_id: 'h' };
    const { api, call } = setup([json(201, created)]);
    const result = await api.createSession({ quiz_id: 'q', mode: 'live', question_seconds: 20 });
    expect(result).toEqual(created);
    const { url, init, headers } = call();
    expect(url).toBe('/v1/sessions');
    expect(init.method).toBe('POST');
    expect(headers.Authorization).toBe('Bearer tok');
    expect(headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(init.body))).toEqual({ quiz_id: 'q', mode: 'live', question_seconds: 20 });
  });

  it('asks for a dev token without authorization', async () => {
    const token = { access_token: 'jwt', token_type: 'Bearer', expires_in: 3600, user_id: 'u1' };
    const { api, call } = setup([json(200, token)]);
    expect(await api.devToken('alice')).toEqual(token);
    expect(call().url).toBe('/v1/dev/token');
    expect(call().headers.Authorization).toBeUndefined();
    expect(JSON.parse(String(call().init.body))).toEqual({ name: 'alice' });
  });

  it('sends the device key with the name when given one', async () => {
    const token = { access_token: 'jwt', token_type: 'Bearer', expires_in: 3600, user_id: 'u1' };
    const { api, call } = setup([json(200, token)]);
    await api.devToken('alice', 'k'.repeat(32));
    expect(JSON.parse(String(call().init.body))).toEqual({ name: 'alice', device_key: 'k'.repeat(32) });
  });

  it("reads a question's right answer, and says 403 forbidden while it may not show", async () => {
    const answer = { question_id: 'q/2', index: 1, correct_answer: 'start' };
    const { api, call } = setup([
      json(200, answer),
      problem(403, 'forbidden', 'the answer to q/2 is not shown yet'),
    ]);
    expect(await api.questionAnswer('ABCDEF', 'q/2')).toEqual(answer);
    expect(call().url).toBe('/v1/sessions/ABCDEF/questions/q%2F2/answer');
    await expect(api.questionAnswer('ABCDEF', 'q/2')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('reads what the class typed to a question, and says 403 forbidden before its reveal', async () => {
    const body = typedResponses({ question_id: 'q/2' });
    const { api, call } = setup([json(200, body), problem(403, 'forbidden', 'shows once it is revealed')]);
    expect(await api.questionResponses('ABCDEF', 'q/2')).toEqual(body);
    expect(call().url).toBe('/v1/sessions/ABCDEF/questions/q%2F2/responses');
    expect(call().headers.Authorization).toBe('Bearer tok');
    await expect(api.questionResponses('ABCDEF', 'q/2')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('asks the host route to reveal the open question', async () => {
    const { api, call } = setup([json(200, {})]);
    await api.reveal('ABCDEF');
    expect(call().url).toBe('/v1/sessions/ABCDEF/reveal');
    expect(call().init.method).toBe('POST');
  });

  it('removes a participant with DELETE on the host route (204)', async () => {
    const { api, call } = setup([new Response(null, { status: 204 })]);
    await expect(api.removeParticipant('ABCDEF', 'u/1')).resolves.toBeUndefined();
    expect(call().url).toBe('/v1/sessions/ABCDEF/participants/u%2F1');
    expect(call().init.method).toBe('DELETE');
    expect(call().headers.Authorization).toBe('Bearer tok');
  });

  it('turns a refused removal into an ApiError with its code and detail', async () => {
    const { api } = setup([problem(409, 'session_finished', 'session ABCDEF is finished')]);
    const error = await api.removeParticipant('ABCDEF', 'u1').catch((ex: unknown) => ex);
    expect(error).toMatchObject({ status: 409, code: 'session_finished', detail: 'session ABCDEF is finished' });
  });

  it('locks and unlocks a session with POST on the host routes, returning the session view', async () => {
    const view = { session_id: 'ABCDEF', status: 'lobby', locked: true };
    const { api, call } = setup([json(200, view), json(200, { ...view, locked: false })]);
    expect(await api.setLocked('ABCDEF', true)).toMatchObject({ locked: true });
    expect(call(0).url).toBe('/v1/sessions/ABCDEF/lock');
    expect(call(0).init.method).toBe('POST');
    expect(call(0).headers.Authorization).toBe('Bearer tok');
    expect(await api.setLocked('ABCDEF', false)).toMatchObject({ locked: false });
    expect(call(1).url).toBe('/v1/sessions/ABCDEF/unlock');
    expect(call(1).init.method).toBe('POST');
  });

  it("lists the session's participants in join order for the host", async () => {
    const { api, call } = setup([
      json(200, {
        items: [
          { user_id: 'u1', display_name: 'Ann' },
          { user_id: 'u2' },
          { display_name: 'no id' },
          { user_id: 'u3', display_name: 'Cy' },
        ],
      }),
    ]);
    await expect(api.listParticipants('ABCDEF')).resolves.toEqual([
      { user_id: 'u1', display_name: 'Ann' },
      { user_id: 'u2', display_name: 'u2' },
      { user_id: 'u3', display_name: 'Cy' },
    ]);
    expect(call().url).toBe('/v1/sessions/ABCDEF/participants');
    expect(call().init.method).toBe('GET');
    expect(call().headers.Authorization).toBe('Bearer tok');
  });

  it("turns a refused participants list into an ApiError (a player asking, or no session)", async () => {
    const { api } = setup([
      problem(403, 'forbidden', 'only the host can list participants'),
      problem(404, 'session_not_found', 'no session ZZZZZZ'),
    ]);
    await expect(api.listParticipants('ABCDEF')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(api.listParticipants('ZZZZZZ')).rejects.toMatchObject({
      status: 404,
      code: 'session_not_found',
    });
  });

  it("reads every player's progress for the host, and whether each one is here", async () => {
    const { api, call } = setup([
      json(200, {
        session_id: 'ABCDEF',
        question_count: 8,
        done_count: 1,
        items: [
          { user_id: 'u1', display_name: 'Ann', answered: 8, correct: 6, reached: 8, done: true, score: 6100, here: true },
          { user_id: 'u2', display_name: 'Bo', answered: 3, correct: 1, reached: 5, done: false, score: 900, here: false },
          // The server cannot tell, an older server does not say, or says it oddly.
          { user_id: 'u3', display_name: 'Cy', answered: 0, correct: 0, reached: 1, done: false, score: 0, here: null },
          { user_id: 'u4', display_name: 'Di', answered: 0, correct: 0, reached: 1, done: false, score: 0 },
          { user_id: 'u5', display_name: 'Ed', answered: 0, correct: 0, reached: 1, done: false, score: 0, here: 'no' },
          { display_name: 'no id' },
        ],
      }),
    ]);
    const progress = await api.getProgress('ABCDEF');
    expect(progress).toEqual({
      session_id: 'ABCDEF',
      question_count: 8,
      done_count: 1,
      items: [
        { user_id: 'u1', display_name: 'Ann', answered: 8, correct: 6, reached: 8, done: true, score: 6100, here: true },
        { user_id: 'u2', display_name: 'Bo', answered: 3, correct: 1, reached: 5, done: false, score: 900, here: false },
        { user_id: 'u3', display_name: 'Cy', answered: 0, correct: 0, reached: 1, done: false, score: 0, here: null },
        { user_id: 'u4', display_name: 'Di', answered: 0, correct: 0, reached: 1, done: false, score: 0, here: null },
        { user_id: 'u5', display_name: 'Ed', answered: 0, correct: 0, reached: 1, done: false, score: 0, here: null },
      ],
    });
    expect(call().url).toBe('/v1/sessions/ABCDEF/progress');
    expect(call().headers.Authorization).toBe('Bearer tok');
  });

  it('turns a refused progress read into an ApiError (a player asking)', async () => {
    const { api } = setup([problem(403, 'forbidden', "only the host can follow the players' progress")]);
    await expect(api.getProgress('ABCDEF')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('turns a problem document into an ApiError with its code', async () => {
    const { api } = setup([problem(404, 'session_not_found', 'no session ZZZZZZ')]);
    const error = await api.join('ZZZZZZ').catch((ex: unknown) => ex);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'session_not_found', detail: 'no session ZZZZZZ' });
  });

  it('reads Retry-After of a rate-limited request', async () => {
    const { api } = setup([
      new Response(JSON.stringify({ code: 'rate_limited', status: 429 }), {
        status: 429,
        headers: { 'Retry-After': '3' },
      }),
    ]);
    const error = (await api.listQuizzes().catch((ex: unknown) => ex)) as ApiError;
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBe(3);
  });

  it('falls back to a code from the status when the body is not a problem', async () => {
    const { api } = setup([new Response('Bad gateway', { status: 503 })]);
    const error = (await api.listQuizzes().catch((ex: unknown) => ex)) as ApiError;
    expect(error.code).toBe('unavailable');
  });

  it('returns null for 204 from questions/current', async () => {
    const { api, call } = setup([new Response(null, { status: 204 })]);
    expect(await api.currentQuestion('ABCDEF')).toBeNull();
    expect(call().url).toBe('/v1/sessions/ABCDEF/questions/current');
  });

  it('asks for the scored result with Prefer: wait', async () => {
    const scored = { submission_id: 's1', status: 'scored', correct: true, points: 900, score: 900, rank: 1 };
    const { api, call } = setup([json(200, scored)]);
    const body = { question_id: 'q1', answer: 'start', submission_id: 's1' };
    expect(await api.submitAnswer('ABCDEF', body, 2)).toEqual(scored);
    expect(call().headers.Prefer).toBe('wait=2');
    expect(JSON.parse(String(call().init.body))).toEqual(body);
  });

  it("gives up on an answer whose request gets no response beyond the server's wait", async () => {
    vi.useFakeTimers();
    try {
      // A network that passes nothing: the request never settles by itself.
      const fetch = vi.fn<typeof globalThis.fetch>(
        (_url, init) =>
          new Promise((_resolve, reject) => {
            init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
          }),
      );
      const api = new ApiClient({ fetch, tokens: { get: () => 'tok' } });
      const sent = api.submitAnswer('ABCDEF', { question_id: 'q', answer: 'a', submission_id: 's1' }, 2);
      const outcome = sent.then(
        () => 'answered',
        (ex: unknown) => ex,
      );
      await vi.advanceTimersByTimeAsync(2000 + ANSWER_TIMEOUT_MS - 1);
      expect(fetch.mock.calls[0][1]?.signal?.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await outcome).toBeInstanceOf(RequestTimeout);
    } finally {
      vi.useRealTimers();
    }
  });

  it('caps Prefer: wait at five seconds', async () => {
    const { api, call } = setup([json(202, { submission_id: 's1', status: 'accepted' })]);
    await api.submitAnswer('ABCDEF', { question_id: 'q', answer: 'a', submission_id: 's1' }, 30);
    expect(call().headers.Prefer).toBe('wait=5');
  });

  it('passes the leaderboard limit as a query parameter', async () => {
    const board = { session_id: 'ABCDEF', version: 3, participant_count: 2, entries: [], me: null };
    const { api, call } = setup([json(200, board)]);
    expect(await api.leaderboard('ABCDEF', 10)).toEqual(board);
    expect(call().url).toBe('/v1/sessions/ABCDEF/leaderboard?limit=10');
  });

  it('escapes path segments', async () => {
    const { api, call } = setup([json(200, { submission_id: 'a/b', status: 'accepted' })]);
    await api.getAnswer('ABCDEF', 'a/b');
    expect(call().url).toBe('/v1/sessions/ABCDEF/answers/a%2Fb');
  });

  it('re-issues the token once after a 401 and retries', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    fetch.mockResolvedValueOnce(problem(401, 'unauthorized'));
    fetch.mockResolvedValueOnce(json(200, { items: [] }));
    const refresh = vi.fn(async () => 'new');
    const api = new ApiClient({ fetch, tokens: { get: () => 'old', refresh } });
    expect(await api.listQuizzes()).toEqual([]);
    expect(refresh).toHaveBeenCalledOnce();
    const headers = fetch.mock.calls[1][1]?.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer new');
  });

  it('lists every page of the quizzes, following next_cursor', async () => {
    const verbs = { quiz_id: 'verbs', title: 'Everyday verbs', language: 'en', level: 'A2', question_count: 2 };
    const food = { quiz_id: 'food', title: 'Food', language: 'en', level: 'A1', question_count: 5 };
    const { api, fetch, call } = setup([
      json(200, { items: [verbs], next_cursor: '100' }),
      // A quiz deleted meanwhile shifts the pages: one seen already comes again.
      json(200, { items: [verbs, food, { title: 'no id' }], next_cursor: null }),
    ]);
    expect(await api.listQuizzes()).toEqual([verbs, food]);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(call(0).url).toBe('/v1/quizzes?limit=100');
    expect(call(0).init.method).toBe('GET');
    expect(call(1).url).toBe('/v1/quizzes?limit=100&cursor=100');
  });

  it("lists only the caller's own quizzes with mine=true, every page", async () => {
    const mine = { quiz_id: 'q/1', title: 'Verbs 1', language: 'en', level: '', question_count: 1 };
    const { api, call } = setup([
      json(200, { items: [mine], next_cursor: '1' }),
      json(200, { items: [], next_cursor: null }),
    ]);
    expect(await api.listQuizzes({ mine: true })).toEqual([mine]);
    expect(call(0).url).toBe('/v1/quizzes?limit=100&mine=true');
    expect(call(0).headers.Authorization).toBe('Bearer tok');
    expect(call(1).url).toBe('/v1/quizzes?limit=100&mine=true&cursor=1');
  });

  it('reads the results whole, or cut to a limit (a phone of a large room)', async () => {
    const { api, call } = setup([
      json(200, { standings: [], questions: [] }),
      json(200, { standings: [], questions: [], participant_count: 3000 }),
    ]);
    await api.results('K7PQ2M');
    expect((await api.results('K7PQ2M', 10)).participant_count).toBe(3000);
    expect(call(0).url).toBe('/v1/sessions/K7PQ2M/results');
    expect(call(1).url).toBe('/v1/sessions/K7PQ2M/results?limit=10');
  });

  it('reads quiz list items with fields missing, and stops at a cursor it followed already', async () => {
    const { api, fetch } = setup([
      json(200, { items: [{ quiz_id: 'bare' }], next_cursor: '5' }),
      json(200, { items: [], next_cursor: '5' }),
    ]);
    expect(await api.listQuizzes()).toEqual([
      { quiz_id: 'bare', title: 'bare', language: '', level: '', question_count: 0 },
    ]);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('deletes a quiz with DELETE (204)', async () => {
    const { api, call } = setup([new Response(null, { status: 204 })]);
    await expect(api.deleteQuiz('q/1')).resolves.toBeUndefined();
    expect(call().url).toBe('/v1/quizzes/q%2F1');
    expect(call().init.method).toBe('DELETE');
    expect(call().headers.Authorization).toBe('Bearer tok');
  });

  it("turns a refused deletion into an ApiError with the problem's detail", async () => {
    const { api } = setup([problem(403, 'forbidden', 'only its author may delete quiz food')]);
    const error = await api.deleteQuiz('food').catch((ex: unknown) => ex);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, code: 'forbidden', detail: 'only its author may delete quiz food' });
  });

  it("reads a quiz's source, answers included, as the body POST /v1/quizzes takes", async () => {
    // As the server writes it: every field, empty lists and null seconds included.
    const { api, call } = setup([
      json(200, {
        title: 'Verbs 1',
        language: 'en',
        level: 'A2',
        typo_tolerance: true,
        questions: [
          { prompt: 'Synonym of begin', kind: 'choice', answer: 'start', choices: ['start', 'stop'], accept: [], points: 2000, seconds: 30 },
          { prompt: 'bonjour', kind: 'text', answer: 'hello', choices: [], accept: ['hi'], points: 1000, seconds: null },
        ],
      }),
    ]);
    expect(await api.quizSource('verbs 1')).toEqual({
      title: 'Verbs 1',
      language: 'en',
      level: 'A2',
      typo_tolerance: true,
      questions: [
        { prompt: 'Synonym of begin', kind: 'choice', answer: 'start', choices: ['start', 'stop'], points: 2000, seconds: 30 },
        { prompt: 'bonjour', kind: 'text', answer: 'hello', accept: ['hi'], points: 1000 },
      ],
    });
    expect(call().url).toBe('/v1/quizzes/verbs%201/source');
    expect(call().init.method).toBe('GET');
  });

  it('measures the clock offset from server_time at the round-trip midpoint', async () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2026-01-01T00:00:00.000Z'));
      const fetch = vi.fn<typeof globalThis.fetch>(async () => {
        vi.setSystemTime(new Date('2026-01-01T00:00:00.200Z'));
        return json(200, { session_id: 'ABCDEF', server_time: '2026-01-01T00:00:05.100Z' });
      });
      const api = new ApiClient({ fetch, tokens: { get: () => 't' } });
      const { offsetMs } = await api.getSession('ABCDEF');
      expect(offsetMs).toBe(5000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads the client config and fills missing fields', async () => {
    const { api, call } = setup([json(200, { profile: 'cloud', dev_auth: false, auth0_domain: 'x.eu.auth0.com' })]);
    expect(await api.config()).toEqual({
      profile: 'cloud',
      dev_auth: false,
      auth0_domain: 'x.eu.auth0.com',
      auth0_client_id: '',
      auth0_audience: '',
      public_url: '',
    });
    expect(call().url).toBe('/config.json');
    expect(call().headers.Authorization).toBeUndefined();
  });
});

describe('payload readers', () => {
  it('reads a question nested or flat', () => {
    const question = {
      question_id: 'q1',
      index: 2,
      prompt: 'Synonym of begin?',
      kind: 'choice',
      choices: ['start', 'stop'],
      opens_at: '2026-01-01T00:00:00.000Z',
      closes_at: '2026-01-01T00:00:20.000Z',
    };
    expect(readQuestion({ type: 'question.opened', seq: 3, ...question })).toMatchObject(question);
    expect(readQuestion({ type: 'question.opened', question })).toMatchObject(question);
    expect(readQuestion({ type: 'question.opened' })).toBeNull();
  });

  it('reads question statistics from the top level or a statistics object', () => {
    expect(
      readQuestionStats({ question_id: 'q1', correct_answer: 'start', statistics: { answers: 4, correct: 3 } }),
    ).toMatchObject({ question_id: 'q1', correct_answer: 'start', answer_count: 4, correct_count: 3, correct_share: 0.75 });
    expect(
      readQuestionStats({
        question_id: 'q2',
        correct_answer: 'hello',
        answer_count: 2,
        correct_share: 0.5,
        choice_counts: [{ choice: 'a', count: 2 }],
      }),
    ).toMatchObject({ answer_count: 2, correct_share: 0.5, choice_counts: { a: 2 } });
  });

  it('reads grouped answers defensively: odd groups left out, missing totals counted', () => {
    const read = readQuestionResponses('q3', {
      kind: 'sometimes',
      responses: [
        { answer: 'recieve', count: 3, correct: false },
        { answer: 'receive', count: 2, correct: true },
        { answer: 'no count' },
        { count: 4, correct: true },
        { answer: 'zero', count: 0 },
        { answer: 'unjudged', count: 1 },
        'receive',
      ],
      other_count: 5,
    });
    expect(read).toEqual({
      question_id: 'q3',
      index: null,
      kind: null,
      answer_count: 11,
      distinct_count: 3,
      responses: [
        { answer: 'recieve', count: 3, correct: false },
        { answer: 'receive', count: 2, correct: true },
        { answer: 'unjudged', count: 1, correct: null },
      ],
      other_count: 5,
    });
    expect(readQuestionResponses('q3', null)).toMatchObject({ question_id: 'q3', responses: [], other_count: 0 });
    expect(readQuestionResponses('q3', { other_count: -2 }).other_count).toBe(0);
  });

  it('reads final results', () => {
    const results = readResults('ABCDEF', {
      session_id: 'ABCDEF',
      standings: [{ rank: 1, user_id: 'u1', display_name: 'Ann', score: 1800, correct_count: 2 }],
      questions: [{ question_id: 'q1', answers: 1, correct_share: 1 }],
    });
    expect(results.standings).toEqual([
      { rank: 1, user_id: 'u1', display_name: 'Ann', score: 1800, correct_count: 2, answers: null },
    ]);
    expect(results.questions[0]).toMatchObject({ question_id: 'q1', answer_count: 1, correct_share: 1 });
  });

  it("reads a phone's cut results: its own standing and how many there are", () => {
    const results = readResults('ABCDEF', {
      standings: [{ rank: 1, user_id: 'u1', display_name: 'Ann', score: 1800, correct_count: 2 }],
      me: { rank: 41, user_id: 'u41', display_name: 'Zoe', score: 200, correct_count: 0 },
      participant_count: 57,
      questions: [],
    });
    expect(results.me).toEqual({
      rank: 41,
      user_id: 'u41',
      display_name: 'Zoe',
      score: 200,
      correct_count: 0,
      answers: null,
    });
    expect(results.participant_count).toBe(57);
    expect(readResults('ABCDEF', { standings: [] })).toMatchObject({ me: null, participant_count: null });
  });

  it('reads the host view of the results: answers per player and unplayed questions', () => {
    const results = readResults('ABCDEF', {
      standings: [
        {
          rank: 1,
          user_id: 'u1',
          display_name: 'Ann',
          score: 950,
          correct_count: 1,
          answers: { q1: { answer: 'start', correct: true, points: 950 } },
        },
      ],
      questions: [
        { question_id: 'q1', index: 0, played: true },
        { question_id: 'q2', index: 1, played: false },
      ],
    });
    expect(results.standings[0].answers).toEqual({ q1: { answer: 'start', correct: true, points: 950 } });
    expect(results.questions.map((question) => question.played)).toEqual([true, false]);
  });

  it("reads a participant's own answers (my_answers), and none from the host's copy or an older server", () => {
    const mine = readResults('ABCDEF', {
      standings: [],
      questions: [{ question_id: 'q1' }, { question_id: 'q2' }],
      my_answers: {
        q1: { answer: 'start', correct: true, points: 950 },
        q2: { answer: 'helo', correct: false, points: 0 },
      },
    });
    expect(mine.my_answers).toEqual({
      q1: { answer: 'start', correct: true, points: 950 },
      q2: { answer: 'helo', correct: false, points: 0 },
    });
    expect(readResults('ABCDEF', { standings: [], questions: [], my_answers: null }).my_answers).toBeNull();
    expect(readResults('ABCDEF', { standings: [], questions: [] }).my_answers).toBeNull();
  });

  it('returns no offset without a server time', () => {
    expect(clockOffset(undefined, 0)).toBeNull();
    expect(clockOffset('not a date', 0)).toBeNull();
  });
});
