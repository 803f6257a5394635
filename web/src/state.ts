/**
 * Session state as seen by one client (a player or the host).
 *
 * A pure reducer over live-channel events and HTTP responses. Everything shown
 * comes from the server: a fresh `session.snapshot` replaces the server-derived
 * state wholesale, while this tab's own submissions survive it.
 */

import {
  readQuestion,
  readQuestionStats,
  type LeaderboardEntry,
  type Mode,
  type Participation,
  type Phase,
  type Question,
  type QuestionStats,
  type ScoredAnswer,
  type SessionInfo,
  type SessionStatus,
  type Standing,
} from './api';
import type { LiveMessage } from './live';

export interface Participant {
  user_id: string;
  display_name: string;
}

export type SubmissionState = 'sending' | 'accepted' | 'scored' | 'rejected';

export interface Submission {
  submission_id: string;
  question_id: string;
  answer: string;
  state: SubmissionState;
  result: ScoredAnswer | null;
  error: { code: string; detail: string } | null;
  /** True while a send failed for want of a connection; it is resent on reconnect. */
  waiting?: boolean;
  /** Index of the question answered, when known (for the tab's own streak count). */
  question_index?: number | null;
  /**
   * Once scored: consecutive correct answers up to and including this one (0 when wrong),
   * i.e. the server's `streak` (correct answers before it) + 1 for a correct answer.
   */
  streak?: number | null;
}

export interface SessionState {
  sessionId: string;
  title: string | null;
  quizId: string | null;
  mode: Mode | null;
  status: SessionStatus | null;
  hostId: string | null;
  participantCount: number | null;
  /**
   * Players with a screen here now, or gone only a moment (the embedded
   * profile's boards and snapshots say): a player who left for good stops
   * counting in the host's "N of M answered". Null where not said.
   */
  presentCount: number | null;
  participants: Participant[];
  /**
   * Players the host removed (`participant.removed`): gone from the lists for
   * good, whatever a later board or snapshot still carries.
   */
  removedIds: string[];
  /** user_id → the name a removed player had (the host's screen says who went). */
  removedNames: Record<string, string>;
  questionIndex: number | null;
  questionCount: number | null;
  /** The question on screen: the open one, or the last one after it closed. */
  question: Question | null;
  questionOpen: boolean;
  /** Statistics and correct answer of `question`, once it closed. */
  closed: QuestionStats | null;
  /** Answers to the open question, when the server tells the count. */
  answerCount: number | null;
  /** question_id → answers scored so far, from `leaderboard.updated` `answer_counts`. */
  answerCounts: Record<string, number>;
  /**
   * A `participant.removed` no board has followed yet (`seq`: its number, when
   * it had one). The server stops counting the removed player's answers (and
   * presence): the next board or snapshot numbered after it gives the counts
   * as they are, lower too, where any other only raises them.
   */
  recount: { seq: number | null } | null;
  leaderboardVersion: number | null;
  entries: LeaderboardEntry[];
  me: Standing | null;
  /** Final top entries from `session.finished`. */
  finalEntries: LeaderboardEntry[] | null;
  /** Self-paced: the server has no question left for this player (204). */
  noQuestionLeft: boolean;
  /** Server time minus client time, milliseconds. */
  offsetMs: number;
  /** Whether `offsetMs` was measured yet (it starts at 0, a guess). */
  clockKnown: boolean;
  submissions: Record<string, Submission>;
  /** question_id → submission_id of this tab's answer to it. */
  answered: Record<string, string>;
  /**
   * Questions the server says this player has answered (`session.snapshot` `answered`),
   * e.g. from before a page reload: they take no second answer.
   */
  serverAnswered: string[];
  /**
   * Consecutive correct answers up to and including the last scored one (0 after a
   * wrong one): the server's `streak` + 1, or counted in this tab when it sends none.
   */
  streak: number;
  /** Question index of the last scored answer, when known (a skipped question ends a run). */
  streakIndex: number | null;
  lastSeq: number | null;
  /** (v1.1) The phase the server last reported, if it reports one. */
  serverPhase: Phase | null;
  /** The host's screen has been gone for a while (host.left, until host.joined). */
  hostAway: boolean;
  /**
   * (v1.2) The host locked the session: nobody new may join (the session
   * view's `locked`, then `session.locked` / `session.unlocked`).
   */
  locked: boolean;
}

export type SessionAction =
  | { type: 'live'; message: LiveMessage; receivedAt: number }
  | { type: 'session'; session: SessionInfo; offsetMs: number | null }
  | { type: 'joined'; participation: Participation }
  | { type: 'question.served'; question: Question | null }
  | {
      type: 'answer.sending';
      submission_id: string;
      question_id: string;
      answer: string;
      question_index?: number | null;
    }
  | { type: 'answer.accepted'; submission_id: string }
  | { type: 'answer.waiting'; submission_id: string; waiting: boolean }
  | {
      type: 'answer.scored';
      result: ScoredAnswer;
      /** For a submission this tab has not sent since loading (restored after a reload). */
      question_id?: string;
      answer?: string | null;
    }
  | { type: 'answer.rejected'; submission_id: string; code: string; detail: string }
  /** (Host) The lock or unlock went through: its reply's `locked`, before the event comes. */
  | { type: 'locked'; locked: boolean }
  /** The host's own removal went through (204): drop the player before the event comes. */
  | { type: 'participant.removed'; user_id: string; display_name?: string }
  /**
   * The reveal's statistics read again (`last_question` of the session), after a
   * removal took a player's answer out of them. Applied only to the reveal on
   * screen: a read that raced a newer event changes nothing else.
   */
  | { type: 'reveal.stats'; value: unknown }
  | {
      type: 'leaderboard';
      version: number | null;
      entries: LeaderboardEntry[];
      me: Standing | null;
      participant_count?: number | null;
    };

export function initialSessionState(sessionId: string): SessionState {
  return {
    sessionId,
    title: null,
    quizId: null,
    mode: null,
    status: null,
    hostId: null,
    participantCount: null,
    presentCount: null,
    participants: [],
    removedIds: [],
    removedNames: {},
    questionIndex: null,
    questionCount: null,
    question: null,
    questionOpen: false,
    closed: null,
    answerCount: null,
    answerCounts: {},
    recount: null,
    leaderboardVersion: null,
    entries: [],
    me: null,
    finalEntries: null,
    noQuestionLeft: false,
    offsetMs: 0,
    clockKnown: false,
    submissions: {},
    answered: {},
    serverAnswered: [],
    streak: 0,
    streakIndex: null,
    lastSeq: null,
    serverPhase: null,
    hostAway: false,
    locked: false,
  };
}

/**
 * The screen a live session is on: lobby, an open question, the reveal of the
 * closed one (its answer, chart and the standings), or the end.
 */
export function phaseOf(state: SessionState): Phase | null {
  if (state.status === 'finished') return 'finished';
  if (state.status === 'lobby') return 'lobby';
  if (state.status !== 'running') return null;
  if (state.mode === 'self_paced') return 'question';
  if (state.questionOpen) return 'question';
  if (state.closed && state.question) return 'reveal';
  return state.serverPhase === 'reveal' ? 'reveal' : 'question';
}

type Rec = Record<string, unknown>;

function rec(value: unknown): Rec {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Rec)
    : {};
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function readEntries(value: unknown): LeaderboardEntry[] | null {
  if (!Array.isArray(value)) return null;
  return value
    .map((item, position) => {
      const entry = rec(item);
      return {
        rank: num(entry.rank) ?? position + 1,
        user_id: str(entry.user_id) ?? '',
        display_name: str(entry.display_name) ?? str(entry.user_id) ?? '',
        score: num(entry.score) ?? 0,
      };
    })
    .filter((entry) => entry.user_id !== '');
}

function readStanding(value: unknown): Standing | null {
  if (value === null || typeof value !== 'object') return null;
  const standing = rec(value);
  return { rank: num(standing.rank), score: num(standing.score) };
}

/** Merge a list of question ids into the known ones (answers are never taken back). */
function mergeIds(known: string[], value: unknown): string[] {
  if (!Array.isArray(value)) return known;
  const seen = new Set(known);
  const added = value.filter(
    (item): item is string => typeof item === 'string' && item !== '' && !seen.has(item),
  );
  return added.length ? [...known, ...new Set(added)] : known;
}

function readStatus(value: unknown): SessionStatus | null {
  return value === 'lobby' || value === 'running' || value === 'finished' ? value : null;
}

function readPhase(value: unknown): Phase | null {
  return value === 'lobby' || value === 'question' || value === 'reveal' || value === 'finished'
    ? value
    : null;
}

/**
 * Show the last closed question (`last_question`, v1.1) with its answer and
 * statistics: the reveal a reload comes back to.
 */
function applyLastQuestion(state: SessionState, value: unknown): SessionState {
  const question = readQuestion(value);
  if (!question) return state;
  const stats = readQuestionStats(value);
  return {
    ...state,
    question,
    questionOpen: false,
    questionIndex: state.questionIndex ?? question.index,
    closed: { ...stats, question_id: stats.question_id || question.question_id },
    answerCount: stats.answer_count ?? state.answerCount,
  };
}

/** A session's `locked` as the server says it; the known value where it says nothing. */
function readLocked(value: unknown, known: boolean): boolean {
  return typeof value === 'boolean' ? value : known;
}

function readMode(value: unknown): Mode | null {
  return value === 'live' || value === 'self_paced' ? value : null;
}

/** Merge `{question_id: count}` into the known counts; a count never goes down. */
function mergeAnswerCounts(known: Record<string, number>, value: unknown): Record<string, number> {
  let merged = known;
  for (const [questionId, raw] of Object.entries(rec(value))) {
    const count = num(raw);
    if (count === null || count <= (merged[questionId] ?? -1)) continue;
    if (merged === known) merged = { ...known };
    merged[questionId] = count;
  }
  return merged;
}

/** `{question_id: count}` as a board gives it, replacing the known counts (after a removal). */
function readAnswerCounts(value: unknown): Record<string, number> | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const counts: Record<string, number> = {};
  for (const [questionId, raw] of Object.entries(rec(value))) {
    const count = num(raw);
    if (count !== null) counts[questionId] = Math.max(0, count);
  }
  return counts;
}

/**
 * Whether a board or snapshot numbered `seq` comes after the removal that
 * `recount` waits on: its counts are then the server's as they are now.
 */
function recounts(recount: SessionState['recount'], seq: number | null): boolean {
  return recount !== null && (seq === null || recount.seq === null || seq > recount.seq);
}

/** The larger of two optional counts. */
function maxCount(a: number | null, b: number | undefined): number | null {
  if (b === undefined) return a;
  return a === null ? b : Math.max(a, b);
}

function mergeParticipants(
  list: Participant[],
  more: Participant[],
  removed: string[] = [],
): Participant[] {
  const seen = new Set([...list.map((item) => item.user_id), ...removed]);
  const added = more.filter((item) => item.user_id && !seen.has(item.user_id));
  return added.length ? [...list, ...added] : list;
}

/** Entries without the players the host removed. */
function withoutRemoved<T extends { user_id: string }>(list: T[], removed: string[]): T[] {
  if (removed.length === 0 || !list.some((item) => removed.includes(item.user_id))) return list;
  return list.filter((item) => !removed.includes(item.user_id));
}

/**
 * Drop a player the host removed from the lobby list and the standings shown
 * (the next board no longer lists them either). `count` is the server's new
 * `participant_count`; without it (the host's own 204) a player still listed
 * here counts one less until the event says.
 */
function removeParticipant(
  state: SessionState,
  userId: string,
  count: number | null,
  displayName: string | null = null,
): SessionState {
  const known = state.removedIds.includes(userId);
  const name =
    displayName ??
    state.participants.find((item) => item.user_id === userId)?.display_name ??
    state.entries.find((item) => item.user_id === userId)?.display_name ??
    state.removedNames[userId] ??
    null;
  const listed = state.participants.some((item) => item.user_id === userId);
  const removedIds = known ? state.removedIds : [...state.removedIds, userId];
  const participantCount =
    count ??
    (listed && !known && state.participantCount !== null
      ? Math.max(0, state.participantCount - 1)
      : state.participantCount);
  // Never more players here than in the class: the board telling who is here
  // now comes a moment later.
  const presentCount =
    state.presentCount !== null && participantCount !== null
      ? Math.min(state.presentCount, participantCount)
      : state.presentCount;
  return {
    ...state,
    removedIds,
    removedNames:
      name === null || state.removedNames[userId] === name
        ? state.removedNames
        : { ...state.removedNames, [userId]: name },
    participantCount,
    presentCount,
    participants: withoutRemoved(state.participants, removedIds),
    entries: withoutRemoved(state.entries, removedIds),
  };
}

function scoredFrom(message: Rec): ScoredAnswer | null {
  const submissionId = str(message.submission_id);
  if (submissionId === null || typeof message.correct !== 'boolean') return null;
  return {
    submission_id: submissionId,
    status: 'scored',
    correct: message.correct,
    points: num(message.points) ?? 0,
    score: num(message.score) ?? 0,
    rank: num(message.rank),
    streak: num(message.streak) ?? undefined,
    question_id: str(message.question_id) ?? undefined,
    correct_answer: str(message.correct_answer) ?? undefined,
  };
}

/** Apply a question that is open now (from an event, the session or the API). */
function openQuestion(state: SessionState, question: Question): SessionState {
  const same = state.question?.question_id === question.question_id;
  return {
    ...state,
    question,
    questionOpen: true,
    serverPhase: 'question',
    questionIndex: question.index ?? state.questionIndex,
    status: state.status === 'finished' ? state.status : 'running',
    closed: same ? state.closed : null,
    answerCount: maxCount(same ? state.answerCount : null, state.answerCounts[question.question_id]),
    noQuestionLeft: false,
  };
}

function applySnapshot(state: SessionState, message: Rec, receivedAt: number): SessionState {
  const session = { ...message, ...rec(message.session) };
  const board = rec(message.leaderboard);
  const entries =
    readEntries(board.entries) ??
    readEntries(message.entries) ??
    readEntries(message.top) ??
    readEntries(session.entries) ??
    [];
  const me = readStanding(message.me) ?? readStanding(board.me) ?? readStanding(session.me);
  const serverTime = str(message.server_time) ?? str(session.server_time);
  // A frame's server_time was read before it travelled: server time minus
  // its arrival is the offset less the trip, a lower bound. An estimate
  // already made (the midpoint of an HTTP round trip, an earlier frame's
  // bound) is kept when higher, so a slow network or a frame that queued
  // does not make a phone's clock, and its countdown, run late.
  const bound = serverTime ? Date.parse(serverTime) - receivedAt : NaN;
  const offset = Number.isNaN(bound) || !state.clockKnown ? bound : Math.max(state.offsetMs, bound);
  const status = readStatus(session.status) ?? state.status;
  const question = readQuestion(message.current_question ?? session.current_question ?? null);
  const participants = Array.isArray(message.participants)
    ? (readEntries(message.participants) ?? [])
    : [];
  const removed = state.removedIds;
  const snapshotCounts = message.answer_counts ?? session.answer_counts ?? board.answer_counts;
  const recounted = recounts(state.recount, num(message.seq)) ? readAnswerCounts(snapshotCounts) : null;
  const next: SessionState = {
    ...initialSessionState(state.sessionId),
    // This tab's own answers outlive a snapshot; the server state does not.
    submissions: state.submissions,
    answered: state.answered,
    streak: state.streak,
    streakIndex: state.streakIndex,
    // The server's list of answered questions only grows.
    serverAnswered: mergeIds(state.serverAnswered, message.answered ?? session.answered),
    // Answer counts only grow (a snapshot may or may not carry them), except
    // in the first one after a removal: the server no longer counts that
    // player's answers.
    answerCounts: recounted ?? mergeAnswerCounts(state.answerCounts, snapshotCounts),
    recount: recounted ? null : state.recount,
    title: str(session.title) ?? state.title,
    quizId: str(session.quiz_id) ?? state.quizId,
    mode: readMode(session.mode) ?? state.mode,
    status,
    hostId: str(session.host_id) ?? state.hostId,
    participantCount:
      num(session.participant_count) ?? num(board.participant_count) ?? state.participantCount,
    presentCount: num(message.present_count),
    // The server lists no removed player; a snapshot queued before the removal might.
    removedIds: removed,
    removedNames: state.removedNames,
    participants: mergeParticipants(
      withoutRemoved(participants, removed).map(({ user_id, display_name }) => ({
        user_id,
        display_name,
      })),
      entries.map(({ user_id, display_name }) => ({ user_id, display_name })),
      removed,
    ),
    questionIndex: num(session.question_index) ?? state.questionIndex,
    questionCount: num(session.question_count) ?? state.questionCount,
    leaderboardVersion: num(board.version) ?? num(message.version),
    entries: withoutRemoved(entries, removed),
    me: me ?? state.me,
    finalEntries: status === 'finished' ? withoutRemoved(entries, removed) : null,
    offsetMs: Number.isNaN(offset) ? state.offsetMs : offset,
    clockKnown: state.clockKnown || !Number.isNaN(offset),
    lastSeq: num(message.seq) ?? state.lastSeq,
    serverPhase: readPhase(session.phase),
    hostAway: message.host_away === true,
    locked: readLocked(session.locked, state.locked),
  };
  if (question && status === 'running') return openQuestion(next, question);
  const last = message.last_question ?? session.last_question;
  if (status === 'running' && readMode(session.mode ?? state.mode) !== 'self_paced' && last) {
    return applyLastQuestion(next, last);
  }
  if (state.mode === 'self_paced' || next.mode === 'self_paced') {
    // Self-paced questions are served per player; keep the one on screen.
    return { ...next, question: state.question, questionOpen: state.questionOpen };
  }
  return next;
}

function applyLeaderboard(
  state: SessionState,
  version: number | null,
  entries: LeaderboardEntry[] | null,
  me: Standing | null,
  participantCount: number | null,
): SessionState {
  // Replayed or reordered updates never move the board backwards.
  if (version !== null && state.leaderboardVersion !== null && version < state.leaderboardVersion) {
    return state;
  }
  const shown = entries ? withoutRemoved(entries, state.removedIds) : null;
  return {
    ...state,
    leaderboardVersion: version ?? state.leaderboardVersion,
    entries: shown ?? state.entries,
    me: me ?? state.me,
    participantCount: participantCount ?? state.participantCount,
    participants: shown
      ? mergeParticipants(
          state.participants,
          shown.map(({ user_id, display_name }) => ({ user_id, display_name })),
        )
      : state.participants,
  };
}

function applyScored(
  state: SessionState,
  result: ScoredAnswer,
  restored: { question_id?: string; answer?: string | null } = {},
): SessionState {
  const known = state.submissions[result.submission_id];
  if (known?.state === 'scored') return state;
  const questionId = known?.question_id ?? result.question_id ?? restored.question_id ?? '';
  const index =
    known?.question_index ??
    (questionId && state.question?.question_id === questionId ? state.question.index : null);
  // The server's `streak` counts the correct answers before this one; the run shown
  // includes this answer. Without it, count in this tab: a run continues only on the
  // question right after the last scored one (when both indexes are known).
  const follows = index === null || state.streakIndex === null || index === state.streakIndex + 1;
  const run = !result.correct
    ? 0
    : typeof result.streak === 'number'
      ? result.streak + 1
      : (follows ? state.streak : 0) + 1;
  // A late result of an earlier question does not reset the current run.
  const latest = index === null || state.streakIndex === null || index >= state.streakIndex;
  const submission: Submission = {
    submission_id: result.submission_id,
    question_id: questionId,
    answer: known?.answer ?? restored.answer ?? '',
    state: 'scored',
    result,
    error: null,
    question_index: index,
    streak: run,
  };
  const currentScore = state.me?.score ?? null;
  // Scores never go down: an older result must not undo a newer leaderboard.
  const me =
    currentScore === null || result.score >= currentScore
      ? { score: result.score, rank: result.rank }
      : state.me;
  return {
    ...state,
    submissions: { ...state.submissions, [result.submission_id]: submission },
    answered: questionId ? { ...state.answered, [questionId]: result.submission_id } : state.answered,
    streak: latest ? run : state.streak,
    streakIndex: latest ? (index ?? state.streakIndex) : state.streakIndex,
    me,
  };
}

function applyLive(state: SessionState, message: LiveMessage, receivedAt: number): SessionState {
  const seq = num(message.seq);
  const withSeq = seq === null ? state : { ...state, lastSeq: seq };
  switch (message.type) {
    case 'session.snapshot':
      return applySnapshot(state, message, receivedAt);
    case 'participant.joined': {
      const userId = str(message.user_id);
      return {
        ...withSeq,
        participantCount: num(message.participant_count) ?? withSeq.participantCount,
        participants: userId
          ? mergeParticipants(
              withSeq.participants,
              [{ user_id: userId, display_name: str(message.display_name) ?? userId }],
              withSeq.removedIds,
            )
          : withSeq.participants,
      };
    }
    case 'participant.removed': {
      const userId = str(message.user_id);
      if (!userId) return withSeq;
      // The board the server pushes next counts without them: wait for it.
      return removeParticipant(
        { ...withSeq, recount: { seq } },
        userId,
        num(message.participant_count),
        str(message.display_name),
      );
    }
    case 'host.left':
      return { ...withSeq, hostAway: true };
    case 'host.joined':
      return { ...withSeq, hostAway: false };
    case 'session.locked':
      return { ...withSeq, locked: true };
    case 'session.unlocked':
      return { ...withSeq, locked: false };
    case 'question.opened': {
      const question = readQuestion(message);
      if (!question) return withSeq;
      // A question that has just opened has no answers yet: the projector says 0, not "–".
      const opened = openQuestion(withSeq, question);
      return { ...opened, answerCount: opened.answerCount ?? 0 };
    }
    case 'question.closed': {
      const stats = readQuestionStats(message);
      const current = withSeq.question;
      if (current && stats.question_id && current.question_id !== stats.question_id) {
        // A replayed close of an earlier question: nothing on screen changes.
        return withSeq;
      }
      return {
        ...withSeq,
        serverPhase: withSeq.status === 'finished' ? 'finished' : 'reveal',
        questionOpen: false,
        closed: stats,
        answerCount: stats.answer_count ?? withSeq.answerCount,
      };
    }
    case 'question.progress': {
      // Optional host event (not in the v1 table): answers so far to the open question.
      const questionId = str(message.question_id);
      const count = num(message.answer_count);
      if (count === null || (questionId && questionId !== withSeq.question?.question_id)) {
        return withSeq;
      }
      return {
        ...withSeq,
        answerCount: count,
        participantCount: num(message.participant_count) ?? withSeq.participantCount,
      };
    }
    case 'answer.result': {
      const result = scoredFrom(message);
      return result ? applyScored(withSeq, result) : withSeq;
    }
    case 'leaderboard.updated': {
      // `answer_counts` {question_id: answers scored so far} drives the host's live count;
      // counts only grow, so even a frame with an older board version may raise them.
      // The first board after a removal is the exception: the server stopped counting
      // the removed player's answers, and its counts replace the ones kept.
      const currentId = withSeq.question?.question_id;
      const recounted = recounts(withSeq.recount, seq) ? readAnswerCounts(message.answer_counts) : null;
      let counted: SessionState;
      if (recounted) {
        counted = {
          ...withSeq,
          recount: null,
          answerCounts: recounted,
          answerCount:
            currentId && recounted[currentId] !== undefined
              ? recounted[currentId]
              : withSeq.answerCount,
        };
      } else {
        const answerCounts = mergeAnswerCounts(withSeq.answerCounts, message.answer_counts);
        counted =
          answerCounts === withSeq.answerCounts
            ? withSeq
            : {
                ...withSeq,
                answerCounts,
                answerCount: currentId
                  ? maxCount(withSeq.answerCount, answerCounts[currentId])
                  : withSeq.answerCount,
              };
      }
      return applyLeaderboard(
        { ...counted, presentCount: num(message.present_count) ?? counted.presentCount },
        num(message.version),
        readEntries(message.entries),
        readStanding(message.me),
        num(message.participant_count),
      );
    }
    case 'session.finished': {
      const entries = withoutRemoved(
        readEntries(message.entries) ?? readEntries(message.top) ?? withSeq.entries,
        withSeq.removedIds,
      );
      return {
        ...withSeq,
        status: 'finished',
        serverPhase: 'finished',
        questionOpen: false,
        entries,
        finalEntries: entries,
        me: readStanding(message.me) ?? withSeq.me,
      };
    }
    case 'error': {
      const submissionId = str(message.submission_id);
      if (!submissionId || !withSeq.submissions[submissionId]) return withSeq;
      return applyRejected(
        withSeq,
        submissionId,
        str(message.code) ?? 'error',
        str(message.detail) ?? '',
      );
    }
    default:
      return withSeq;
  }
}

function applyRejected(
  state: SessionState,
  submissionId: string,
  code: string,
  detail: string,
): SessionState {
  const known = state.submissions[submissionId];
  if (!known || known.state === 'scored') return state;
  return {
    ...state,
    submissions: {
      ...state.submissions,
      [submissionId]: { ...known, state: 'rejected', error: { code, detail } },
    },
  };
}

export function sessionReducer(state: SessionState, action: SessionAction): SessionState {
  switch (action.type) {
    case 'live':
      return applyLive(state, action.message, action.receivedAt);
    case 'reveal.stats': {
      const question = readQuestion(action.value);
      if (!question || state.questionOpen || state.question?.question_id !== question.question_id) {
        return state;
      }
      const stats = readQuestionStats(action.value);
      return { ...state, closed: { ...stats, question_id: stats.question_id || question.question_id } };
    }
    case 'session': {
      const session = action.session;
      const next: SessionState = {
        ...state,
        title: session.title ?? state.title,
        quizId: session.quiz_id ?? state.quizId,
        mode: readMode(session.mode) ?? state.mode,
        status: readStatus(session.status) ?? state.status,
        hostId: session.host_id ?? state.hostId,
        participantCount: num(session.participant_count) ?? state.participantCount,
        questionIndex: num(session.question_index) ?? state.questionIndex,
        questionCount: num(session.question_count) ?? state.questionCount,
        // The higher estimate, as for a snapshot: a late clock shows time that is not there.
        offsetMs:
          action.offsetMs === null
            ? state.offsetMs
            : state.clockKnown
              ? Math.max(state.offsetMs, action.offsetMs)
              : action.offsetMs,
        clockKnown: state.clockKnown || action.offsetMs !== null,
        serverPhase: readPhase(session.phase) ?? state.serverPhase,
        locked: readLocked(session.locked, state.locked),
      };
      if (next.status === 'finished') return { ...next, questionOpen: false };
      const question = readQuestion(session.current_question);
      if (question && next.mode !== 'self_paced') return openQuestion(next, question);
      if (next.mode === 'live' && next.status === 'running' && session.last_question) {
        const last = readQuestion(session.last_question);
        // A close this tab missed, or a reload between questions: show the reveal.
        if (last && !(state.questionOpen && state.question?.question_id !== last.question_id)) {
          return applyLastQuestion(next, session.last_question);
        }
      }
      if (
        next.mode === 'live' &&
        state.questionOpen &&
        session.current_question === null &&
        state.question
      ) {
        // The server has no open question any more (closed before we heard).
        return { ...next, questionOpen: false };
      }
      return next;
    }
    case 'joined': {
      const { participation } = action;
      return {
        ...state,
        me: state.me ?? { score: participation.score, rank: participation.rank },
        participants: mergeParticipants(state.participants, [
          { user_id: participation.user_id, display_name: participation.display_name },
        ]),
      };
    }
    case 'question.served':
      if (!action.question) return { ...state, noQuestionLeft: true, questionOpen: false };
      return openQuestion(state, action.question);
    case 'answer.sending':
      return {
        ...state,
        submissions: {
          ...state.submissions,
          [action.submission_id]: {
            submission_id: action.submission_id,
            question_id: action.question_id,
            answer: action.answer,
            state: 'sending',
            result: null,
            error: null,
            question_index: action.question_index ?? null,
          },
        },
        answered: { ...state.answered, [action.question_id]: action.submission_id },
      };
    case 'answer.accepted': {
      const known = state.submissions[action.submission_id];
      if (!known || known.state !== 'sending') return state;
      return {
        ...state,
        submissions: { ...state.submissions, [action.submission_id]: { ...known, state: 'accepted', waiting: false } },
      };
    }
    case 'answer.waiting': {
      const known = state.submissions[action.submission_id];
      if (!known || known.state !== 'sending' || Boolean(known.waiting) === action.waiting) {
        return state;
      }
      return {
        ...state,
        submissions: {
          ...state.submissions,
          [action.submission_id]: { ...known, waiting: action.waiting },
        },
      };
    }
    case 'answer.scored':
      return applyScored(state, action.result, {
        question_id: action.question_id,
        answer: action.answer,
      });
    case 'answer.rejected':
      return applyRejected(state, action.submission_id, action.code, action.detail);
    case 'participant.removed':
      return removeParticipant(state, action.user_id, null, action.display_name ?? null);
    case 'locked':
      return state.locked === action.locked ? state : { ...state, locked: action.locked };
    case 'leaderboard':
      return applyLeaderboard(
        state,
        action.version,
        action.entries,
        action.me,
        action.participant_count ?? null,
      );
    default:
      return state;
  }
}

/** This tab's submission for a question, if any. */
export function submissionFor(state: SessionState, questionId: string | undefined): Submission | null {
  if (!questionId) return null;
  const submissionId = state.answered[questionId];
  return submissionId ? (state.submissions[submissionId] ?? null) : null;
}

/** Whether the server reported this player's answer to a question (e.g. before a reload). */
export function answeredOnServer(state: SessionState, questionId: string | undefined): boolean {
  return Boolean(questionId && state.serverAnswered.includes(questionId));
}
