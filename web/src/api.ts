/**
 * Typed client for the public HTTP contract (shared API.md, v1).
 *
 * Every route is relative to the page's origin: the Python API serves both the
 * built web app and `/v1`. Errors are RFC 9457 problem documents with a
 * machine-readable `code`; they surface as {@link ApiError}.
 */

export type Mode = 'live' | 'self_paced';
export type SessionStatus = 'lobby' | 'running' | 'finished';
export type QuestionKind = 'choice' | 'text';
/** (v1.1) Where a live session stands: the screen every client shows. */
export type Phase = 'lobby' | 'question' | 'reveal' | 'finished';

export interface ClientConfig {
  profile: 'local' | 'cloud';
  dev_auth: boolean;
  auth0_domain: string;
  auth0_client_id: string;
  auth0_audience: string;
  /** (v1.1) The URL phones use to reach the server (QR code, join link); '' when unset. */
  public_url?: string;
}

export interface DevToken {
  access_token: string;
  token_type: string;
  expires_in: number;
  user_id: string;
}

export interface QuizSummary {
  quiz_id: string;
  title: string;
  language: string;
  level: string;
  question_count: number;
}

export interface QuizQuestion {
  question_id?: string;
  prompt: string;
  kind: QuestionKind;
  choices?: string[] | null;
  points?: number;
  seconds?: number;
}

export interface QuizDetail extends QuizSummary {
  questions: QuizQuestion[];
}

/** A question as a quiz's author writes it (`POST /v1/quizzes`). */
export interface NewQuestion {
  prompt: string;
  kind: QuestionKind;
  choices?: string[];
  answer: string;
  accept?: string[];
  points?: number;
  seconds?: number;
}

/** A quiz as its author writes it (`POST /v1/quizzes`). */
export interface NewQuiz {
  title: string;
  language?: string;
  level?: string;
  typo_tolerance?: boolean;
  questions: NewQuestion[];
}

/** A question as served to players (never with its answer). */
export interface Question {
  question_id: string;
  index: number;
  prompt: string;
  kind: QuestionKind;
  choices?: string[] | null;
  opens_at?: string | null;
  closes_at?: string | null;
  points?: number;
  seconds?: number;
}

export interface CreatedSession {
  session_id: string;
  quiz_id: string;
  mode: Mode;
  status: SessionStatus;
  host_id: string;
}

export interface SessionInfo {
  session_id: string;
  quiz_id: string;
  title: string;
  mode: Mode;
  status: SessionStatus;
  host_id: string;
  participant_count: number;
  question_index: number | null;
  question_count: number;
  current_question: Question | null;
  server_time: string;
  /** (v1.1) Optional: the screen to show; derived from the other fields when absent. */
  phase?: Phase | null;
  /** (v1.1) The last closed question with its answer and statistics, while none is open. */
  last_question?: unknown;
  close_when_all_answered?: boolean;
  /** (v1.2) The host locked the session: nobody new may join (409 `session_locked`). */
  locked?: boolean;
}

export interface Participation {
  session_id: string;
  user_id: string;
  display_name: string;
  score: number;
  rank: number | null;
}

/** One player of a session as the host's list gives it (`GET /participants`). */
export interface ParticipantSummary {
  user_id: string;
  display_name: string;
}

/** (v1.2) How far one player got (`GET /progress`, host only). */
export interface PlayerProgress {
  user_id: string;
  display_name: string;
  /** Questions the player answered. */
  answered: number;
  /** Of them, answered correctly (as scored so far). */
  correct: number;
  /** Questions shown to the player so far (self-paced: served; live: opened). */
  reached: number;
  /** No question is left for the player: each is answered or its time ran out. */
  done: boolean;
  score: number;
  /**
   * Whether the player has a screen open on the session (or had, within the
   * server's presence grace): false once they closed it; null where the
   * server cannot tell, or does not say (an older server).
   */
  here: boolean | null;
}

/** (v1.2) Every player's progress, in the order they joined. */
export interface SessionProgress {
  session_id: string;
  question_count: number;
  /** How many players are done. */
  done_count: number;
  items: PlayerProgress[];
}

/** (v1.2) A question's right answer, once it may be shown to the caller. */
export interface QuestionAnswer {
  question_id: string;
  index: number;
  correct_answer: string;
}

/** (v1.2) One way the class answered a question: the answers that score alike. */
export interface AnswerGroup {
  /** The group's most typed spelling (a choice's own label). */
  answer: string;
  count: number;
  /** How scoring judged the group; null when the server did not say. */
  correct: boolean | null;
}

/** (v1.2, host only) What the class answered to one question, the most given first. */
export interface QuestionResponses {
  question_id: string;
  index: number | null;
  kind: QuestionKind | null;
  answer_count: number;
  distinct_count: number;
  /** At most 20 groups, the most given first. */
  responses: AnswerGroup[];
  /** Answers in the groups not listed. */
  other_count: number;
}

export interface AcceptedAnswer {
  submission_id: string;
  status: 'accepted';
}

export interface ScoredAnswer {
  submission_id: string;
  status: 'scored';
  correct: boolean;
  points: number;
  score: number;
  rank: number | null;
  /**
   * Optional: consecutive correct answers BEFORE this one (the server's streak bonus is
   * +100 per step); the run including a correct answer is `streak + 1`.
   */
  streak?: number;
  question_id?: string;
  /** Optional: the correct answer, when the server reveals it with the result. */
  correct_answer?: string;
}

export type AnswerResponse = AcceptedAnswer | ScoredAnswer;

export interface LeaderboardEntry {
  rank: number;
  user_id: string;
  display_name: string;
  score: number;
}

export interface Standing {
  rank: number | null;
  score: number | null;
}

export interface Leaderboard {
  session_id: string;
  version: number;
  participant_count: number;
  entries: LeaderboardEntry[];
  me: Standing | null;
}

export interface ResultRow {
  rank: number;
  user_id: string;
  display_name: string;
  score: number;
  correct_count: number | null;
  /** (v1.1, host only) question_id → this player's answer, whether correct, points. */
  answers?: Record<string, PlayerAnswer> | null;
}

export interface PlayerAnswer {
  answer: string | null;
  correct: boolean | null;
  points: number | null;
}

export interface QuestionStats {
  question_id: string;
  index: number | null;
  prompt: string | null;
  correct_answer: string | null;
  answer_count: number | null;
  correct_count: number | null;
  correct_share: number | null;
  choice_counts: Record<string, number> | null;
  /** (v1.1) False for a question never opened (the host finished early); null when unknown. */
  played: boolean | null;
  /** When the server stopped taking answers (RFC 3339), if said. */
  closed_at?: string | null;
}

/** Final results, read from `GET /v1/sessions/{id}/results`. */
export interface SessionResults {
  session_id: string;
  title: string | null;
  standings: ResultRow[];
  questions: QuestionStats[];
  /**
   * (A participant's copy) question_id → the caller's own answer, whether
   * correct, its points: only the questions they answered. Null for the
   * host, and from a server that does not send it.
   */
  my_answers?: Record<string, PlayerAnswer> | null;
  /** (A participant's copy) the caller's own standing, listed or not. */
  me?: ResultRow | null;
  /** How many standings there are, however many were listed; null if not sent. */
  participant_count?: number | null;
}

export interface UserProfile {
  user_id: string;
  display_name: string;
  status: string;
  total_score: number;
  sessions_played: number;
  global_rank: number | null;
}

/** An RFC 9457 problem document turned into an exception. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly retryAfterSeconds: number | null;

  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    retryAfterSeconds: number | null = null,
  ) {
    super(detail || title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Supplies the bearer token; `refresh` may re-issue one after a 401. */
export interface TokenProvider {
  get(): string | null;
  refresh?(): Promise<string | null>;
}

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  tokens?: TokenProvider;
}

type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  auth?: boolean;
  /** Give up after this long (a network that passes nothing never fails by itself). */
  timeoutMs?: number;
}

/** Seconds beyond the server's own wait before an answer's request counts as stalled. */
export const ANSWER_TIMEOUT_MS = 4000;

/** A request that got no response in time: the network may be stalled. */
export class RequestTimeout extends Error {
  constructor(path: string, ms: number) {
    super(`no response to ${path} within ${ms} ms`);
    this.name = 'RequestTimeout';
  }
}

interface RawResponse {
  status: number;
  headers: Headers;
  data: unknown;
}

const seg = encodeURIComponent;

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Read per-choice answer counts from an object or a list of pairs. */
export function readChoiceCounts(value: unknown): Record<string, number> | null {
  if (Array.isArray(value)) {
    const counts: Record<string, number> = {};
    for (const item of value) {
      const rec = asRecord(item);
      const key = asString(rec.choice) ?? asString(rec.answer);
      const count = asNumber(rec.count) ?? asNumber(rec.answers);
      if (key !== null && count !== null) counts[key] = count;
    }
    return Object.keys(counts).length > 0 ? counts : null;
  }
  const rec = asRecord(value);
  const counts: Record<string, number> = {};
  for (const [key, count] of Object.entries(rec)) {
    if (typeof count === 'number') counts[key] = count;
  }
  return Object.keys(counts).length > 0 ? counts : null;
}

/**
 * Read answer statistics of one question.
 *
 * The contract fixes `question_id` and `correct_answer`; the statistics may sit
 * at the top level or under `statistics`/`stats`.
 */
export function readQuestionStats(value: unknown): QuestionStats {
  const rec = asRecord(value);
  const stats = { ...rec, ...asRecord(rec.statistics ?? rec.stats) };
  const answerCount =
    asNumber(stats.answer_count) ?? asNumber(stats.answers) ?? asNumber(stats.answered);
  const correctCount = asNumber(stats.correct_count) ?? asNumber(stats.correct);
  let correctShare = asNumber(stats.correct_share) ?? asNumber(stats.correct_ratio);
  if (correctShare === null && answerCount && correctCount !== null) {
    correctShare = correctCount / answerCount;
  }
  const correctAnswer = stats.correct_answer;
  return {
    question_id: asString(rec.question_id) ?? '',
    index: asNumber(rec.index) ?? asNumber(rec.question_index),
    prompt: asString(rec.prompt),
    correct_answer:
      typeof correctAnswer === 'string'
        ? correctAnswer
        : Array.isArray(correctAnswer)
          ? correctAnswer.filter((item) => typeof item === 'string').join(' / ')
          : null,
    answer_count: answerCount,
    correct_count: correctCount,
    correct_share: correctShare,
    choice_counts: readChoiceCounts(
      stats.choice_counts ?? stats.distribution ?? stats.choices ?? stats.answers_by_choice,
    ),
    played: typeof rec.played === 'boolean' ? rec.played : null,
    closed_at: asString(rec.closed_at),
  };
}

/** Read the final standings and statistics of a finished session. */
export function readResults(sessionId: string, value: unknown): SessionResults {
  const rec = asRecord(value);
  const rows = rec.standings ?? rec.entries ?? rec.participants ?? rec.results ?? [];
  const questions = rec.questions ?? rec.question_stats ?? rec.statistics ?? [];
  return {
    session_id: asString(rec.session_id) ?? sessionId,
    title: asString(rec.title),
    standings: (Array.isArray(rows) ? rows : []).map((row, position) => readResultRow(row, position + 1)),
    questions: (Array.isArray(questions) ? questions : []).map(readQuestionStats),
    my_answers: readPlayerAnswers(rec.my_answers),
    me: rec.me && typeof rec.me === 'object' ? readResultRow(rec.me, 0) : null,
    participant_count: asNumber(rec.participant_count),
  };
}

function readResultRow(row: unknown, rank: number): ResultRow {
  const item = asRecord(row);
  return {
    rank: asNumber(item.rank) ?? rank,
    user_id: asString(item.user_id) ?? '',
    display_name: asString(item.display_name) ?? asString(item.user_id) ?? '',
    score: asNumber(item.score) ?? 0,
    correct_count: asNumber(item.correct_count),
    answers: readPlayerAnswers(item.answers),
  };
}

/**
 * Read a standing's `answers` map (host view of the results), or the
 * participant's own `my_answers`; null when absent.
 */
export function readPlayerAnswers(value: unknown): Record<string, PlayerAnswer> | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const answers: Record<string, PlayerAnswer> = {};
  for (const [questionId, raw] of Object.entries(value as Record<string, unknown>)) {
    const item = asRecord(raw);
    answers[questionId] = {
      answer: asString(item.answer),
      correct: typeof item.correct === 'boolean' ? item.correct : null,
      points: asNumber(item.points),
    };
  }
  return answers;
}

/**
 * Read what the class answered to a question (`GET /questions/{id}/responses`).
 *
 * A group without a spelling or a count is left out; missing totals are
 * counted from the groups, so "and N more" never goes below zero.
 */
export function readQuestionResponses(questionId: string, value: unknown): QuestionResponses {
  const rec = asRecord(value);
  const groups = (Array.isArray(rec.responses) ? rec.responses : []).flatMap((item): AnswerGroup[] => {
    const group = asRecord(item);
    const answer = asString(group.answer);
    const count = asNumber(group.count);
    if (answer === null || count === null || count <= 0) return [];
    return [{ answer, count, correct: typeof group.correct === 'boolean' ? group.correct : null }];
  });
  const listed = groups.reduce((sum, group) => sum + group.count, 0);
  const other = Math.max(0, asNumber(rec.other_count) ?? 0);
  return {
    question_id: asString(rec.question_id) || questionId,
    index: asNumber(rec.index),
    kind: rec.kind === 'text' || rec.kind === 'choice' ? rec.kind : null,
    answer_count: Math.max(asNumber(rec.answer_count) ?? 0, listed + other),
    distinct_count: Math.max(asNumber(rec.distinct_count) ?? 0, groups.length),
    responses: groups,
    other_count: other,
  };
}

/** Quizzes asked for per page of `GET /v1/quizzes` (the most the server gives). */
const QUIZ_PAGE_SIZE = 100;
/** Pages read at most: 10,000 quizzes, more than one list can offer anyway. */
const MAX_QUIZ_PAGES = 100;

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Read one player's progress; null without a `user_id`. */
function readPlayerProgress(value: unknown): PlayerProgress | null {
  const rec = asRecord(value);
  const userId = asString(rec.user_id);
  if (!userId) return null;
  return {
    user_id: userId,
    display_name: asString(rec.display_name) ?? userId,
    answered: asNumber(rec.answered) ?? 0,
    correct: asNumber(rec.correct) ?? 0,
    reached: asNumber(rec.reached) ?? 0,
    done: rec.done === true,
    score: asNumber(rec.score) ?? 0,
    here: typeof rec.here === 'boolean' ? rec.here : null,
  };
}

/** Read `GET /progress`; `done_count` is counted from the items when absent. */
export function readProgress(sessionId: string, value: unknown): SessionProgress {
  const rec = asRecord(value);
  const items = (Array.isArray(rec.items) ? rec.items : []).flatMap((item) => {
    const read = readPlayerProgress(item);
    return read ? [read] : [];
  });
  return {
    session_id: asString(rec.session_id) ?? sessionId,
    question_count: asNumber(rec.question_count) ?? 0,
    done_count: asNumber(rec.done_count) ?? items.filter((item) => item.done).length,
    items,
  };
}

/** Read one item of a quiz list; null when it has no `quiz_id`. */
export function readQuizSummary(value: unknown): QuizSummary | null {
  const rec = asRecord(value);
  const quizId = asString(rec.quiz_id);
  if (!quizId) return null;
  return {
    quiz_id: quizId,
    title: asString(rec.title) ?? quizId,
    language: asString(rec.language) ?? '',
    level: asString(rec.level) ?? '',
    question_count: asNumber(rec.question_count) ?? 0,
  };
}

/** Read a quiz's source (`GET /v1/quizzes/{id}/source`): the body of `POST /v1/quizzes`. */
export function readQuizSource(value: unknown): NewQuiz {
  const rec = asRecord(value);
  const questions = Array.isArray(rec.questions) ? rec.questions : [];
  const quiz: NewQuiz = {
    title: asString(rec.title) ?? '',
    questions: questions.map((raw): NewQuestion => {
      const item = asRecord(raw);
      const question: NewQuestion = {
        prompt: asString(item.prompt) ?? '',
        kind: item.kind === 'text' ? 'text' : 'choice',
        answer: asString(item.answer) ?? '',
      };
      const choices = asStrings(item.choices);
      const accept = asStrings(item.accept);
      const points = asNumber(item.points);
      const seconds = asNumber(item.seconds);
      if (question.kind === 'choice') question.choices = choices;
      else if (accept.length > 0) question.accept = accept;
      if (points !== null) question.points = points;
      if (seconds !== null) question.seconds = seconds;
      return question;
    }),
  };
  const language = asString(rec.language);
  const level = asString(rec.level);
  if (language) quiz.language = language;
  if (level) quiz.level = level;
  if (typeof rec.typo_tolerance === 'boolean') quiz.typo_tolerance = rec.typo_tolerance;
  return quiz;
}

/** Client of the `/v1` routes and `/config.json`. */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly tokens: TokenProvider | undefined;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/$/, '');
    // Bind so that a window.fetch called as a method keeps its receiver.
    const impl = options.fetch ?? globalThis.fetch;
    this.fetchImpl = impl.bind(globalThis);
    this.tokens = options.tokens;
  }

  /** Fetch the client configuration served next to the app. */
  async config(): Promise<ClientConfig> {
    const res = await this.raw('/config.json', { auth: false });
    const rec = asRecord(res.data);
    return {
      profile: rec.profile === 'cloud' ? 'cloud' : 'local',
      dev_auth: rec.dev_auth === true,
      auth0_domain: asString(rec.auth0_domain) ?? '',
      auth0_client_id: asString(rec.auth0_client_id) ?? '',
      auth0_audience: asString(rec.auth0_audience) ?? '',
      public_url: asString(rec.public_url) ?? '',
    };
  }

  /**
   * Get a local dev token (local profile only).
   *
   * `deviceKey` is this browser's secret: the same key always gets the same user,
   * whatever the name; without it every call makes a new user.
   */
  async devToken(name: string, deviceKey?: string): Promise<DevToken> {
    const body = deviceKey ? { name, device_key: deviceKey } : { name };
    return (await this.raw('/v1/dev/token', { method: 'POST', body, auth: false }))
      .data as DevToken;
  }

  /** Return the caller's profile. */
  async me(): Promise<UserProfile> {
    return (await this.raw('/v1/users/me')).data as UserProfile;
  }

  /**
   * List the quizzes a host can play, every page of them (`next_cursor` until
   * null); (v1.2) with `mine`, only the caller's own (those they may correct
   * and delete). A quiz listed twice (one deleted while paging shifts the
   * pages) is kept once.
   */
  async listQuizzes(options: { mine?: boolean } = {}): Promise<QuizSummary[]> {
    const found = new Map<string, QuizSummary>();
    const asked = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_QUIZ_PAGES; page += 1) {
      const query: Query = { limit: QUIZ_PAGE_SIZE, mine: options.mine ? 'true' : undefined, cursor };
      const data = asRecord((await this.raw('/v1/quizzes', { query })).data);
      for (const item of Array.isArray(data.items) ? data.items : []) {
        const quiz = readQuizSummary(item);
        if (quiz && !found.has(quiz.quiz_id)) found.set(quiz.quiz_id, quiz);
      }
      const next = asString(data.next_cursor);
      // A server that hands back a cursor already followed would page for ever.
      if (!next || asked.has(next)) break;
      asked.add(next);
      cursor = next;
    }
    return [...found.values()];
  }

  /**
   * (v1.2, its author) Take a quiz off every list: no new session can be made
   * from it; sessions already made from it play on. 204, also when deleted
   * before; 403 `forbidden` for anyone else.
   */
  async deleteQuiz(quizId: string): Promise<void> {
    await this.raw(`/v1/quizzes/${seg(quizId)}`, { method: 'DELETE' });
  }

  /**
   * (v1.2, its author) A quiz as written, answers included: the body of
   * `POST /v1/quizzes` that makes it again (to write a corrected quiz from it).
   */
  async quizSource(quizId: string): Promise<NewQuiz> {
    return readQuizSource((await this.raw(`/v1/quizzes/${seg(quizId)}/source`)).data);
  }

  /** Store a new quiz; return its id. */
  async createQuiz(quiz: NewQuiz): Promise<{ quiz_id: string }> {
    return (await this.raw('/v1/quizzes', { method: 'POST', body: quiz })).data as { quiz_id: string };
  }

  /** Return one quiz with its questions (without answers). */
  async getQuiz(quizId: string): Promise<QuizDetail> {
    return (await this.raw(`/v1/quizzes/${seg(quizId)}`)).data as QuizDetail;
  }

  /** Create a session; the caller becomes its host. */
  async createSession(body: {
    quiz_id: string;
    mode: Mode;
    question_seconds: number;
    close_when_all_answered?: boolean;
    /** (v1.2, self-paced) Each player may read a question's answer once it is over for them. */
    show_answers?: boolean;
  }): Promise<CreatedSession> {
    return (await this.raw('/v1/sessions', { method: 'POST', body })).data as CreatedSession;
  }

  /** Return a session's state; also measures the clock offset. */
  async getSession(sessionId: string): Promise<{ session: SessionInfo; offsetMs: number | null }> {
    const sentAt = Date.now();
    const res = await this.raw(`/v1/sessions/${seg(sessionId)}`);
    const receivedAt = Date.now();
    const session = res.data as SessionInfo;
    return { session, offsetMs: clockOffset(session.server_time, sentAt, receivedAt) };
  }

  /** Join a session (idempotent: 200 when already joined). */
  async join(sessionId: string): Promise<Participation> {
    return (await this.raw(`/v1/sessions/${seg(sessionId)}/participants`, { method: 'POST' }))
      .data as Participation;
  }

  /** Start the session (host). */
  async start(sessionId: string): Promise<void> {
    await this.raw(`/v1/sessions/${seg(sessionId)}/start`, { method: 'POST' });
  }

  /** Close the open question without opening the next (host, v1.1). */
  async reveal(sessionId: string): Promise<void> {
    await this.raw(`/v1/sessions/${seg(sessionId)}/reveal`, { method: 'POST' });
  }

  /** Open the next question (closing an open one first), or finish after the last (host). */
  async next(sessionId: string): Promise<void> {
    await this.raw(`/v1/sessions/${seg(sessionId)}/next`, { method: 'POST' });
  }

  /** Finish the session (host). */
  async finish(sessionId: string): Promise<void> {
    await this.raw(`/v1/sessions/${seg(sessionId)}/finish`, { method: 'POST' });
  }

  /**
   * (v1.2, host) Lock the session to newcomers (`locked` true), or open it
   * again: from then a join by someone who had not joined is refused (409
   * `session_locked`); those who joined may come back. Returns the session
   * view (200, also when it already was so); a finished session is 409
   * `session_finished`.
   */
  async setLocked(sessionId: string, locked: boolean): Promise<SessionInfo> {
    const path = `/v1/sessions/${seg(sessionId)}/${locked ? 'lock' : 'unlock'}`;
    return (await this.raw(path, { method: 'POST' })).data as SessionInfo;
  }

  /**
   * Remove a player from the session (host): 204, also when already removed.
   * They may not join again; the live channel tells everyone (`participant.removed`).
   */
  async removeParticipant(sessionId: string, userId: string): Promise<void> {
    await this.raw(`/v1/sessions/${seg(sessionId)}/participants/${seg(userId)}`, {
      method: 'DELETE',
    });
  }

  /**
   * List every current participant of the session, in join order (host only;
   * removed players are not listed).
   */
  async listParticipants(sessionId: string): Promise<ParticipantSummary[]> {
    const data = asRecord((await this.raw(`/v1/sessions/${seg(sessionId)}/participants`)).data);
    if (!Array.isArray(data.items)) return [];
    const listed: ParticipantSummary[] = [];
    for (const item of data.items) {
      const rec = asRecord(item);
      const userId = asString(rec.user_id);
      if (!userId) continue;
      listed.push({ user_id: userId, display_name: asString(rec.display_name) ?? userId });
    }
    return listed;
  }

  /**
   * (v1.2) How far each player got, in join order (host only): who finished,
   * who is on which question.
   */
  async getProgress(sessionId: string): Promise<SessionProgress> {
    return readProgress(sessionId, (await this.raw(`/v1/sessions/${seg(sessionId)}/progress`)).data);
  }

  /** Return the question to answer now, or null when there is none (204). */
  async currentQuestion(sessionId: string): Promise<Question | null> {
    const res = await this.raw(`/v1/sessions/${seg(sessionId)}/questions/current`);
    return res.status === 204 ? null : readQuestion(res.data);
  }

  /**
   * Submit an answer; with `waitSeconds` ask for the scored result (`Prefer: wait`).
   *
   * The submission id is the idempotency key: resending it never counts twice.
   */
  async submitAnswer(
    sessionId: string,
    body: { question_id: string; answer: string; submission_id: string },
    waitSeconds = 0,
  ): Promise<AnswerResponse> {
    const headers: Record<string, string> = {};
    if (waitSeconds > 0) headers.Prefer = `wait=${Math.min(5, Math.round(waitSeconds))}`;
    const res = await this.raw(`/v1/sessions/${seg(sessionId)}/answers`, {
      method: 'POST',
      body,
      headers,
      // The server's wait, and a few seconds for the network.
      timeoutMs: (waitSeconds > 0 ? Math.min(5, Math.round(waitSeconds)) : 0) * 1000 + ANSWER_TIMEOUT_MS,
    });
    return res.data as AnswerResponse;
  }

  /** Return the state of a submission: accepted (in flight) or scored. */
  async getAnswer(sessionId: string, submissionId: string): Promise<AnswerResponse> {
    return (await this.raw(`/v1/sessions/${seg(sessionId)}/answers/${seg(submissionId)}`))
      .data as AnswerResponse;
  }

  /**
   * (v1.2) A question's right answer, once the caller may see it: after the
   * finish; live, from its reveal on; self-paced with `show_answers`, once the
   * caller answered it or its time ran out (the server's grace included).
   * Before that 403 `forbidden`.
   */
  async questionAnswer(sessionId: string, questionId: string): Promise<QuestionAnswer> {
    return (await this.raw(`/v1/sessions/${seg(sessionId)}/questions/${seg(questionId)}/answer`))
      .data as QuestionAnswer;
  }

  /**
   * (v1.2, host only) What the class answered to a question, grouped as
   * scoring compares answers: live once it was revealed, self-paced at any
   * time, every question after the finish. Before that 403 `forbidden`;
   * 404 `not_found` for a question the quiz does not have.
   */
  async questionResponses(sessionId: string, questionId: string): Promise<QuestionResponses> {
    const path = `/v1/sessions/${seg(sessionId)}/questions/${seg(questionId)}/responses`;
    return readQuestionResponses(questionId, (await this.raw(path)).data);
  }

  /** Return the session leaderboard (top `limit`, plus the caller's standing). */
  async leaderboard(sessionId: string, limit = 10): Promise<Leaderboard> {
    return (
      await this.raw(`/v1/sessions/${seg(sessionId)}/leaderboard`, { query: { limit } })
    ).data as Leaderboard;
  }

  /** Return the final results of a finished session. */
  async results(sessionId: string, limit?: number): Promise<SessionResults> {
    // A phone needs the top of the standings and its own (`me`), not every
    // one of a room of thousands: `limit` cuts the list on the server.
    const query = limit === undefined ? undefined : { limit };
    const res = await this.raw(`/v1/sessions/${seg(sessionId)}/results`, { query });
    return readResults(sessionId, res.data);
  }

  private url(path: string, query?: Query): string {
    let url = `${this.baseUrl}${path}`;
    if (query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined) params.set(key, String(value));
      }
      const text = params.toString();
      if (text) url += `?${text}`;
    }
    return url;
  }

  private async raw(path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const auth = options.auth ?? true;
    let res = await this.send(path, options, auth ? (this.tokens?.get() ?? null) : null);
    if (res.status === 401 && auth && this.tokens?.refresh) {
      const fresh = await this.tokens.refresh();
      if (fresh) res = await this.send(path, options, fresh);
    }
    const data = await readBody(res);
    if (!res.ok) throw toApiError(res, data);
    return { status: res.status, headers: res.headers, data };
  }

  private async send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
      ...options.headers,
    };
    if (token) headers.Authorization = `Bearer ${token}`;
    const init: RequestInit = { method: options.method ?? 'GET', headers };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    const timeoutMs = options.timeoutMs;
    if (!timeoutMs) return this.fetchImpl(this.url(path, options.query), init);
    const controller = new AbortController();
    init.signal = controller.signal;
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      return await this.fetchImpl(this.url(path, options.query), init);
    } catch (ex) {
      if (controller.signal.aborted) throw new RequestTimeout(path, timeoutMs);
      throw ex;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readBody(res: Response): Promise<unknown> {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toApiError(res: Response, data: unknown): ApiError {
  const problem = asRecord(data);
  const retryAfter = Number(res.headers.get('Retry-After'));
  return new ApiError(
    res.status,
    asString(problem.code) ?? defaultCode(res.status),
    asString(problem.title) ?? res.statusText ?? '',
    asString(problem.detail) ?? (typeof data === 'string' ? data.slice(0, 200) : ''),
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

function defaultCode(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'rate_limited';
    case 503:
      return 'unavailable';
    default:
      return 'http_error';
  }
}

/** Read a question object, nested or flat (as `question.opened` may carry it). */
export function readQuestion(value: unknown): Question | null {
  const rec = asRecord(value);
  const inner = rec.current_question ?? rec.question;
  const source = inner && typeof inner === 'object' ? asRecord(inner) : rec;
  const questionId = asString(source.question_id);
  const prompt = asString(source.prompt);
  if (questionId === null || prompt === null) return null;
  const choices = Array.isArray(source.choices)
    ? source.choices.filter((item): item is string => typeof item === 'string')
    : null;
  return {
    question_id: questionId,
    index: asNumber(source.index) ?? asNumber(source.question_index) ?? 0,
    prompt,
    kind: source.kind === 'text' ? 'text' : choices && choices.length > 0 ? 'choice' : 'text',
    choices,
    opens_at: asString(source.opens_at),
    closes_at: asString(source.closes_at),
    points: asNumber(source.points) ?? undefined,
    seconds: asNumber(source.seconds) ?? undefined,
  };
}

/**
 * Estimate server time minus client time, in milliseconds.
 *
 * The server stamped `serverTime` somewhere between `sentAt` and `receivedAt`;
 * the midpoint halves the error of the round trip.
 */
export function clockOffset(
  serverTime: string | null | undefined,
  sentAt: number,
  receivedAt: number = sentAt,
): number | null {
  if (!serverTime) return null;
  const server = Date.parse(serverTime);
  if (Number.isNaN(server)) return null;
  return Math.round(server - (sentAt + receivedAt) / 2);
}
