import { describe, expect, it } from 'vitest';
import type { SessionInfo } from './api';
import type { LiveMessage } from './live';
import {
  answeredOnServer,
  phaseOf,
  initialSessionState,
  sessionReducer,
  submissionFor,
  type SessionAction,
  type SessionState,
} from './state';

const question = {
  question_id: 'q1',
  index: 0,
  prompt: 'Synonym of begin?',
  kind: 'choice',
  choices: ['start', 'finish'],
  opens_at: '2026-03-01T10:00:00.000Z',
  closes_at: '2026-03-01T10:00:20.000Z',
};

function live(message: LiveMessage, receivedAt = Date.parse('2026-03-01T10:00:00.000Z')): SessionAction {
  return { type: 'live', message, receivedAt };
}

function run(actions: SessionAction[], state: SessionState = initialSessionState('ABCDEF')): SessionState {
  return actions.reduce(sessionReducer, state);
}

const snapshot: LiveMessage = {
  type: 'session.snapshot',
  seq: 5,
  server_time: '2026-03-01T10:00:01.500Z',
  session: {
    session_id: 'ABCDEF',
    title: 'Everyday verbs',
    mode: 'live',
    status: 'running',
    participant_count: 2,
    question_index: 0,
    question_count: 3,
    current_question: question,
  },
  leaderboard: {
    version: 4,
    entries: [
      { rank: 1, user_id: 'u1', display_name: 'Ann', score: 900 },
      { rank: 2, user_id: 'u2', display_name: 'Bo', score: 0 },
    ],
  },
  me: { rank: 2, score: 0 },
};

describe('sessionReducer', () => {
  it('takes the whole state from a snapshot, with the clock offset', () => {
    const state = run([live(snapshot)]);
    expect(state).toMatchObject({
      title: 'Everyday verbs',
      status: 'running',
      participantCount: 2,
      questionCount: 3,
      questionOpen: true,
      leaderboardVersion: 4,
      me: { rank: 2, score: 0 },
      offsetMs: 1500,
      lastSeq: 5,
    });
    expect(state.question?.question_id).toBe('q1');
    expect(state.participants.map((item) => item.user_id)).toEqual(['u1', 'u2']);
  });

  it("keeps the higher clock estimate: a frame's trip does not make the clock run late", () => {
    const arrived = Date.parse('2026-03-01T10:00:00.000Z');
    const measured = run([{ type: 'session', session: {} as SessionInfo, offsetMs: 2000 }]);
    // server_time 1.5 s after arrival: the trip hides up to 0.5 s more.
    expect(run([live(snapshot, arrived)], measured).offsetMs).toBe(2000);
    expect(run([live(snapshot, arrived - 1000)], measured).offsetMs).toBe(2500);
    // With nothing measured yet, the frame's bound is all there is, even below zero.
    expect(run([live(snapshot, arrived + 3000)]).offsetMs).toBe(-1500);
  });

  it('lists a lobby in the order the snapshot gives, whatever the board says', () => {
    const state = run([
      live({
        ...snapshot,
        session: { session_id: 'ABCDEF', status: 'lobby', participant_count: 3 },
        // Joined first, second, third; the board orders players with 0 points by id.
        participants: [
          { user_id: 'u3', display_name: 'Cy' },
          { user_id: 'u1', display_name: 'Ann' },
          { user_id: 'u2', display_name: 'Bo' },
        ],
      }),
      live({ type: 'participant.joined', seq: 6, user_id: 'u0', display_name: 'Di', participant_count: 4 }),
    ]);
    expect(state.participants.map((item) => item.display_name)).toEqual(['Cy', 'Ann', 'Bo', 'Di']);
  });

  it('fills the lobby from participant.joined', () => {
    const state = run([
      live({ type: 'participant.joined', seq: 1, user_id: 'u1', display_name: 'Ann', participant_count: 1 }),
      live({ type: 'participant.joined', seq: 2, user_id: 'u2', display_name: 'Bo', participant_count: 2 }),
      live({ type: 'participant.joined', seq: 3, user_id: 'u2', display_name: 'Bo', participant_count: 2 }),
    ]);
    expect(state.participantCount).toBe(2);
    expect(state.participants.map((item) => item.display_name)).toEqual(['Ann', 'Bo']);
  });

  it('opens a question and closes it with the correct answer and statistics', () => {
    const opened = run([live({ type: 'question.opened', seq: 1, ...question })]);
    expect(opened.questionOpen).toBe(true);
    expect(opened.status).toBe('running');
    const closed = sessionReducer(
      opened,
      live({ type: 'question.closed', seq: 2, question_id: 'q1', correct_answer: 'start', answer_count: 2, correct_count: 1 }),
    );
    expect(closed.questionOpen).toBe(false);
    expect(closed.closed).toMatchObject({ correct_answer: 'start', answer_count: 2, correct_share: 0.5 });
    expect(closed.answerCount).toBe(2);
  });

  it('takes reread reveal statistics for the reveal on screen only', () => {
    const opened = run([live({ type: 'question.opened', seq: 1, ...question })]);
    const closed = sessionReducer(
      opened,
      live({ type: 'question.closed', seq: 2, question_id: 'q1', correct_answer: 'start', answer_count: 3, correct_count: 2 }),
    );
    const reread = { ...question, correct_answer: 'start', answer_count: 2, correct_count: 1, correct_share: 0.5 };

    const updated = sessionReducer(closed, { type: 'reveal.stats', value: reread });
    // A read that crossed the next question's opening changes nothing.
    const next = run([live({ type: 'question.opened', seq: 3, ...question, question_id: 'q2', index: 1 })], closed);
    const crossed = sessionReducer(next, { type: 'reveal.stats', value: reread });

    expect(updated.closed).toMatchObject({ answer_count: 2, correct_share: 0.5 });
    expect(updated.questionOpen).toBe(false);
    expect(crossed).toBe(next);
  });

  it('ignores a replayed close of an earlier question', () => {
    const state = run([
      live({ type: 'question.opened', seq: 1, ...question, question_id: 'q2', index: 1 }),
      live({ type: 'question.closed', seq: 2, question_id: 'q1', correct_answer: 'start' }),
    ]);
    expect(state.questionOpen).toBe(true);
    expect(state.closed).toBeNull();
  });

  it('scores an answer once and keeps the streak', () => {
    const result = { type: 'answer.result', seq: 3, submission_id: 's1', status: 'scored', correct: true, points: 950, score: 950, rank: 1 };
    const state = run([
      { type: 'answer.sending', submission_id: 's1', question_id: 'q1', answer: 'start' },
      live(result),
      live({ ...result, seq: 4 }),
    ]);
    const submission = submissionFor(state, 'q1');
    expect(submission?.state).toBe('scored');
    expect(submission?.result?.points).toBe(950);
    expect(state.me).toEqual({ score: 950, rank: 1 });
    expect(state.streak).toBe(1);
  });

  it('prefers the streak the server reports: the correct answers before this one, plus this one', () => {
    const state = run([
      { type: 'answer.sending', submission_id: 's1', question_id: 'q1', answer: 'start' },
      {
        type: 'answer.scored',
        result: { submission_id: 's1', status: 'scored', correct: true, points: 1200, score: 4000, rank: 1, streak: 4 },
      },
    ]);
    // Four correct answers before this one: a run of five including it.
    expect(state.streak).toBe(5);
    expect(submissionFor(state, 'q1')?.streak).toBe(5);
  });

  it('counts the run in the tab the same way when the server sends no streak', () => {
    const scored = (id: string, correct: boolean): SessionAction => ({
      type: 'answer.scored',
      result: { submission_id: id, status: 'scored', correct, points: correct ? 900 : 0, score: 0, rank: 1 },
    });
    const sending = (id: string, index: number): SessionAction => ({
      type: 'answer.sending',
      submission_id: id,
      question_id: `q${index}`,
      answer: 'x',
      question_index: index,
    });
    const state = run([sending('s0', 0), scored('s0', true), sending('s1', 1), scored('s1', true)]);
    // The first correct answer is a run of 1 (server streak 0), the second of 2 (streak 1).
    expect(submissionFor(state, 'q0')?.streak).toBe(1);
    expect(submissionFor(state, 'q1')?.streak).toBe(2);
    expect(state.streak).toBe(2);

    // A wrong answer ends the run; so does a question left out (as on the server).
    const wrong = run([sending('s2', 2), scored('s2', false), sending('s3', 3), scored('s3', true)], state);
    expect(submissionFor(wrong, 'q2')?.streak).toBe(0);
    expect(submissionFor(wrong, 'q3')?.streak).toBe(1);
    const skipped = run([sending('s5', 5), scored('s5', true)], wrong);
    expect(submissionFor(skipped, 'q5')?.streak).toBe(1);
    expect(skipped.streak).toBe(1);
  });

  it('agrees with the server: its streak 1 and the tab count both give a run of 2', () => {
    const base = run([
      { type: 'answer.sending', submission_id: 's0', question_id: 'q0', answer: 'x', question_index: 0 },
      { type: 'answer.scored', result: { submission_id: 's0', status: 'scored', correct: true, points: 1000, score: 1000, rank: 1 } },
      { type: 'answer.sending', submission_id: 's1', question_id: 'q1', answer: 'x', question_index: 1 },
    ]);
    const result = { submission_id: 's1', status: 'scored' as const, correct: true, points: 1100, score: 2100, rank: 1 };
    const fromServer = run([{ type: 'answer.scored', result: { ...result, streak: 1 } }], base);
    const counted = run([{ type: 'answer.scored', result }], base);
    expect(submissionFor(fromServer, 'q1')?.streak).toBe(2);
    expect(submissionFor(counted, 'q1')?.streak).toBe(2);
  });

  it('never moves the leaderboard back to an older version', () => {
    const state = run([
      live({ type: 'leaderboard.updated', seq: 1, version: 5, entries: [{ rank: 1, user_id: 'u1', display_name: 'Ann', score: 900 }], me: { rank: 1, score: 900 } }),
      live({ type: 'leaderboard.updated', seq: 2, version: 3, entries: [], me: { rank: 1, score: 0 } }),
    ]);
    expect(state.entries).toHaveLength(1);
    expect(state.me).toEqual({ rank: 1, score: 900 });
  });

  it('keeps this tab’s answers but resets the rest on a fresh snapshot', () => {
    const before = run([
      { type: 'answer.sending', submission_id: 's1', question_id: 'q1', answer: 'start' },
      live({ type: 'leaderboard.updated', seq: 9, version: 9, entries: [{ rank: 1, user_id: 'zz', display_name: 'Old', score: 1 }] }),
    ]);
    const after = sessionReducer(before, live(snapshot));
    expect(submissionFor(after, 'q1')?.answer).toBe('start');
    expect(after.entries.map((entry) => entry.user_id)).toEqual(['u1', 'u2']);
    expect(after.leaderboardVersion).toBe(4);
  });

  it('knows from the snapshot which questions were answered before a reload', () => {
    const state = run([live({ ...snapshot, answered: ['q0', 'q1'] })]);
    expect(state.serverAnswered).toEqual(['q0', 'q1']);
    expect(answeredOnServer(state, 'q1')).toBe(true);
    expect(answeredOnServer(state, 'q2')).toBe(false);
    expect(submissionFor(state, 'q1')).toBeNull();
    // Answers are never taken back: a later snapshot without the field keeps them.
    const again = run([live({ ...snapshot, seq: 8 })], state);
    expect(again.serverAnswered).toEqual(['q0', 'q1']);
  });

  it('shows a result read again after a reload as this tab’s answer', () => {
    const state = run([
      live({ ...snapshot, answered: ['q1'] }),
      {
        type: 'answer.scored',
        question_id: 'q1',
        answer: 'start',
        result: { submission_id: 's-old', status: 'scored', correct: true, points: 1100, score: 3100, rank: 1, streak: 1 },
      },
    ]);
    expect(submissionFor(state, 'q1')).toMatchObject({
      submission_id: 's-old',
      answer: 'start',
      state: 'scored',
      streak: 2,
    });
    expect(state.me).toEqual({ score: 3100, rank: 1 });
  });

  it('marks a rejected answer from a live-channel error', () => {
    const state = run([
      { type: 'answer.sending', submission_id: 's1', question_id: 'q1', answer: 'start' },
      live({ type: 'error', code: 'question_closed', detail: 'late', submission_id: 's1' }),
    ]);
    expect(submissionFor(state, 'q1')).toMatchObject({ state: 'rejected', error: { code: 'question_closed' } });
  });

  it('finishes with the final top entries', () => {
    const state = run([
      live(snapshot),
      live({ type: 'session.finished', seq: 9, entries: [{ rank: 1, user_id: 'u2', display_name: 'Bo', score: 2000 }] }),
    ]);
    expect(state.status).toBe('finished');
    expect(state.questionOpen).toBe(false);
    expect(state.finalEntries?.[0].user_id).toBe('u2');
  });

  it('records that a self-paced player has no question left', () => {
    const state = run([{ type: 'question.served', question: null }]);
    expect(state.noQuestionLeft).toBe(true);
  });

  it('counts answers to the open question from a progress event', () => {
    const state = run([
      live({ type: 'question.opened', seq: 1, ...question }),
      live({ type: 'question.progress', seq: 2, question_id: 'q1', answer_count: 3 }),
      live({ type: 'question.progress', seq: 3, question_id: 'other', answer_count: 9 }),
    ]);
    expect(state.answerCount).toBe(3);
  });

  it('counts answers to the open question from answer_counts in leaderboard updates', () => {
    const opened = run([live(snapshot)]);
    expect(opened.answerCount).toBeNull();
    const counted = run(
      [
        live({ type: 'leaderboard.updated', seq: 6, version: 5, entries: [], me: null, answer_counts: { q0: 7, q1: 1 } }),
        live({ type: 'leaderboard.updated', seq: 7, version: 6, entries: [], me: null, answer_counts: { q0: 7, q1: 3 } }),
        // An older board version still carries counts that never go down.
        live({ type: 'leaderboard.updated', seq: 8, version: 5, entries: [], me: null, answer_counts: { q1: 2 } }),
      ],
      opened,
    );
    expect(counted.answerCount).toBe(3);
    expect(counted.leaderboardVersion).toBe(6);
    expect(counted.answerCounts).toEqual({ q0: 7, q1: 3 });

    // The next question starts from its own count (none yet), then follows its key.
    const next = { ...question, question_id: 'q2', index: 1 };
    const moved = run([live({ type: 'question.opened', seq: 9, ...next })], counted);
    expect(moved.answerCount).toBe(0);
    const later = run(
      [live({ type: 'leaderboard.updated', seq: 10, version: 7, entries: [], answer_counts: { q1: 3, q2: 2 } })],
      moved,
    );
    expect(later.answerCount).toBe(2);

    // A snapshot after a reconnect keeps the counts it does not carry.
    const resumed = run([live({ ...snapshot, seq: 11, current_question: next })], later);
    expect(resumed.answerCount).toBe(2);

    // A reloaded projector takes the count its snapshot carries.
    const reloaded = run([live({ ...snapshot, seq: 12, current_question: next, answer_counts: { q2: 4 } })]);
    expect(reloaded.answerCount).toBe(4);
  });
});

describe('answer counts after a removal', () => {
  const board = (seq: number, version: number, counts: Record<string, number>, extra: Record<string, unknown> = {}) =>
    live({ type: 'leaderboard.updated', seq, version, entries: [], me: null, answer_counts: counts, ...extra });
  const removed = (seq: number, userId = 'u2', count = 1) =>
    live({ type: 'participant.removed', seq, user_id: userId, display_name: 'Bo', participant_count: count });

  it("takes the first board after participant.removed as it is: the removed player's answers stop counting", () => {
    const counted = run([live(snapshot), board(6, 5, { q0: 2, q1: 2 })]);
    expect(counted.answerCount).toBe(2);

    const removal = run([removed(7)], counted);
    expect(removal.recount).toEqual({ seq: 7 });
    // Until the board comes, the count stands.
    expect(removal.answerCount).toBe(2);

    const recounted = run([board(8, 6, { q0: 1, q1: 1 })], removal);
    expect(recounted.answerCount).toBe(1);
    expect(recounted.answerCounts).toEqual({ q0: 1, q1: 1 });
    expect(recounted.recount).toBeNull();

    // Afterwards counts only grow again: a late frame of an older board cannot lower them.
    const later = run([board(9, 5, { q0: 0, q1: 0 }), board(10, 7, { q0: 1, q1: 2 })], recounted);
    expect(later.answerCount).toBe(2);
    expect(later.answerCounts).toEqual({ q0: 1, q1: 2 });
  });

  it('keeps the only-growing merge for a board numbered before the removal, or without counts', () => {
    const removal = run([live(snapshot), board(6, 5, { q1: 2 }), removed(9)]);
    const early = run([board(8, 5, { q1: 1 })], removal);
    expect(early.answerCount).toBe(2);
    expect(early.recount).toEqual({ seq: 9 });
    const bare = run([live({ type: 'leaderboard.updated', seq: 10, version: 6, entries: [] })], early);
    expect(bare.recount).toEqual({ seq: 9 });
    const recounted = run([board(11, 7, { q1: 1 })], bare);
    expect(recounted.answerCount).toBe(1);
  });

  it("does not wait for a board on the host's own removal (the event comes after it)", () => {
    const state = run([live(snapshot), board(6, 5, { q1: 2 }), { type: 'participant.removed', user_id: 'u2' }]);
    expect(state.recount).toBeNull();
    expect(run([board(7, 5, { q1: 1 })], state).answerCount).toBe(2);
  });

  it('takes the counts of a snapshot numbered after the removal as they are', () => {
    const removal = run([live(snapshot), board(6, 5, { q1: 2 }), removed(7)]);
    const resumed = run([live({ ...snapshot, seq: 8, answer_counts: { q1: 1 } })], removal);
    expect(resumed.answerCount).toBe(1);
    expect(resumed.answerCounts).toEqual({ q1: 1 });
    expect(resumed.recount).toBeNull();
  });

  it('never counts more players here than in the class once one is removed', () => {
    const here = run([live(snapshot), board(6, 5, { q1: 1 }, { present_count: 2, participant_count: 2 })]);
    expect(here.presentCount).toBe(2);
    const removal = run([removed(7)], here);
    expect(removal.participantCount).toBe(1);
    expect(removal.presentCount).toBe(1);
  });
});

describe('phases (v1.1)', () => {
  const lastQuestion = {
    ...question,
    closed_at: '2026-03-01T10:00:12.000Z',
    correct_answer: 'start',
    answer_count: 3,
    correct_count: 2,
    correct_share: 2 / 3,
    choice_counts: { start: 2, finish: 1 },
  };
  const between = {
    session_id: 'ABCDEF',
    title: 'Everyday verbs',
    mode: 'live',
    status: 'running',
    phase: 'reveal',
    participant_count: 3,
    question_index: 0,
    question_count: 4,
    current_question: null,
    last_question: lastQuestion,
  };

  it('restores the reveal from a snapshot that carries the last closed question', () => {
    const state = run([live({ type: 'session.snapshot', seq: 9, session: between })]);
    expect(phaseOf(state)).toBe('reveal');
    expect(state.question?.question_id).toBe('q1');
    expect(state.questionOpen).toBe(false);
    expect(state.closed).toMatchObject({
      question_id: 'q1',
      correct_answer: 'start',
      answer_count: 3,
      choice_counts: { start: 2, finish: 1 },
    });
  });

  it('restores the reveal from GET session after a reload', () => {
    const state = run([
      { type: 'session', session: between as unknown as SessionInfo, offsetMs: 0 },
    ]);
    expect(phaseOf(state)).toBe('reveal');
    expect(state.closed?.correct_answer).toBe('start');
    expect(state.question?.choices).toEqual(['start', 'finish']);
  });

  it('goes question, reveal, question, finished with the live events', () => {
    let state = run([live({ type: 'session.snapshot', seq: 1, session: { ...between, status: 'lobby', phase: 'lobby', last_question: null } })]);
    expect(phaseOf(state)).toBe('lobby');
    state = run([live({ type: 'question.opened', seq: 2, ...question })], state);
    expect(phaseOf(state)).toBe('question');
    state = run([live({ type: 'question.closed', seq: 3, question_id: 'q1', correct_answer: 'start' })], state);
    expect(phaseOf(state)).toBe('reveal');
    state = run(
      [live({ type: 'question.opened', seq: 4, ...question, question_id: 'q2', index: 1 })],
      state,
    );
    expect(phaseOf(state)).toBe('question');
    expect(state.closed).toBeNull();
    state = run([live({ type: 'session.finished', seq: 5, entries: [] })], state);
    expect(phaseOf(state)).toBe('finished');
  });

  it('keeps an open question over a stale last_question from GET session', () => {
    const open = run([live({ type: 'question.opened', seq: 2, ...question, question_id: 'q2', index: 1 })]);
    const state = run(
      [{ type: 'session', session: { ...between, phase: 'question' } as unknown as SessionInfo, offsetMs: 0 }],
      { ...open, mode: 'live', status: 'running' },
    );
    expect(state.question?.question_id).toBe('q2');
  });

  it('marks an answer waiting for the network and clears it when accepted', () => {
    let state = run([
      { type: 'answer.sending', submission_id: 's1', question_id: 'q1', answer: 'start' },
      { type: 'answer.waiting', submission_id: 's1', waiting: true },
    ]);
    expect(state.submissions.s1.waiting).toBe(true);
    state = run([{ type: 'answer.accepted', submission_id: 's1' }], state);
    expect(state.submissions.s1).toMatchObject({ state: 'accepted', waiting: false });
  });
});

describe('the host leaving', () => {
  it('is shown from host.left until host.joined', () => {
    const away = run([live(snapshot), live({ type: 'host.left', seq: 6 })]);
    const back = run([live({ type: 'host.joined', seq: 7 })], away);

    expect(away.hostAway).toBe(true);
    expect(back.hostAway).toBe(false);
    expect(back.lastSeq).toBe(7);
  });

  it('comes back with a reload from the snapshot', () => {
    const reloaded = run([live({ ...snapshot, host_away: true })]);

    expect(reloaded.hostAway).toBe(true);
    expect(run([live(snapshot)]).hostAway).toBe(false);
  });
});

describe('the host locking the session', () => {
  const locked = { ...snapshot, session: { ...(snapshot.session as object), locked: true } };

  it('reads `locked` from the session view and the snapshot', () => {
    const view = { session_id: 'ABCDEF', status: 'lobby', locked: true } as unknown as SessionInfo;
    expect(run([{ type: 'session', session: view, offsetMs: 0 }]).locked).toBe(true);
    expect(run([live(locked)]).locked).toBe(true);
    // A later snapshot says it was opened again.
    const reopened = { ...snapshot, seq: 9, session: { ...(snapshot.session as object), locked: false } };
    expect(run([live(locked), live(reopened)]).locked).toBe(false);
  });

  it('follows session.locked and session.unlocked', () => {
    const shut = run([live(snapshot), live({ type: 'session.locked', seq: 6, at: '2026-03-01T10:00:02Z' })]);
    expect(shut.locked).toBe(true);
    expect(shut.lastSeq).toBe(6);
    const open = run([live({ type: 'session.unlocked', seq: 7, at: '2026-03-01T10:00:03Z' })], shut);
    expect(open.locked).toBe(false);
    expect(open.lastSeq).toBe(7);
  });

  it('keeps what it knows when a view or snapshot does not say (an older server)', () => {
    const shut = run([live({ type: 'session.locked', seq: 6 })]);
    const view = { session_id: 'ABCDEF', status: 'lobby' } as unknown as SessionInfo;
    expect(run([{ type: 'session', session: view, offsetMs: 0 }], shut).locked).toBe(true);
    expect(run([live(snapshot)], shut).locked).toBe(true);
    expect(initialSessionState('ABCDEF').locked).toBe(false);
  });
});

describe('a player the host removed', () => {
  const lobby = [
    live({ type: 'participant.joined', seq: 1, user_id: 'u1', display_name: 'Ann', participant_count: 1 }),
    live({ type: 'participant.joined', seq: 2, user_id: 'u2', display_name: 'Rude', participant_count: 2 }),
    live({ type: 'participant.joined', seq: 3, user_id: 'u3', display_name: 'Cy', participant_count: 3 }),
  ];

  it('leaves the lobby list on participant.removed, with the count it gives', () => {
    const state = run([
      ...lobby,
      live({ type: 'participant.removed', seq: 4, user_id: 'u2', display_name: 'Rude', participant_count: 2 }),
    ]);
    expect(state.participants.map((item) => item.display_name)).toEqual(['Ann', 'Cy']);
    expect(state.participantCount).toBe(2);
    expect(state.lastSeq).toBe(4);
    expect(state.removedIds).toEqual(['u2']);
  });

  it('leaves the standings on screen at once', () => {
    const state = run([
      live(snapshot),
      live({ type: 'participant.removed', seq: 6, user_id: 'u1', display_name: 'Ann', participant_count: 1 }),
    ]);
    expect(state.entries.map((entry) => entry.user_id)).toEqual(['u2']);
    expect(state.participants.map((item) => item.user_id)).toEqual(['u2']);
    expect(state.participantCount).toBe(1);
  });

  it('does not come back from a board, snapshot or join that still carries them', () => {
    const removed = run([
      ...lobby,
      live({ type: 'participant.removed', seq: 4, user_id: 'u2', display_name: 'Rude', participant_count: 2 }),
    ]);
    const later = run(
      [
        live({
          type: 'leaderboard.updated',
          seq: 5,
          version: 3,
          participant_count: 2,
          entries: [
            { rank: 1, user_id: 'u2', display_name: 'Rude', score: 900 },
            { rank: 2, user_id: 'u1', display_name: 'Ann', score: 0 },
          ],
        }),
        live({ type: 'participant.joined', seq: 6, user_id: 'u2', display_name: 'Rude', participant_count: 3 }),
      ],
      removed,
    );
    expect(later.entries.map((entry) => entry.user_id)).toEqual(['u1']);
    expect(later.participants.map((item) => item.user_id)).toEqual(['u1', 'u3']);

    const snapped = run(
      [
        live({
          ...snapshot,
          seq: 7,
          session: { session_id: 'ABCDEF', status: 'lobby', participant_count: 2 },
          participants: [
            { user_id: 'u1', display_name: 'Ann' },
            { user_id: 'u2', display_name: 'Rude' },
            { user_id: 'u3', display_name: 'Cy' },
          ],
        }),
      ],
      removed,
    );
    expect(snapped.participants.map((item) => item.user_id)).toEqual(['u1', 'u3']);
    expect(snapped.removedIds).toEqual(['u2']);
  });

  it("drops them on the host's own removal, one less until the event gives the count", () => {
    const removedHere = run([...lobby, { type: 'participant.removed', user_id: 'u2' }]);
    expect(removedHere.participants.map((item) => item.user_id)).toEqual(['u1', 'u3']);
    expect(removedHere.participantCount).toBe(2);

    // The event after it: the server's count, not one less again.
    const told = run(
      [live({ type: 'participant.removed', seq: 4, user_id: 'u2', display_name: 'Rude', participant_count: 2 })],
      removedHere,
    );
    expect(told.participantCount).toBe(2);
    // The event first, then the 204: nothing counts twice.
    const eventFirst = run([
      ...lobby,
      live({ type: 'participant.removed', seq: 4, user_id: 'u2', display_name: 'Rude', participant_count: 2 }),
      { type: 'participant.removed', user_id: 'u2' },
    ]);
    expect(eventFirst.participantCount).toBe(2);
    expect(eventFirst.participants).toHaveLength(2);
  });

  it('remembers the name each removed player had, through a later snapshot', () => {
    const byEvent = run([
      ...lobby,
      live({ type: 'participant.removed', seq: 4, user_id: 'u2', display_name: 'Rude', participant_count: 2 }),
    ]);
    expect(byEvent.removedNames).toEqual({ u2: 'Rude' });

    // The host's own 204 carries no name from the server: the one on screen is kept.
    const byHost = run([...lobby, { type: 'participant.removed', user_id: 'u3' }]);
    expect(byHost.removedNames).toEqual({ u3: 'Cy' });
    const named = run([...lobby, { type: 'participant.removed', user_id: 'u1', display_name: 'Ann' }]);
    expect(named.removedNames).toEqual({ u1: 'Ann' });

    const snapped = run([live({ ...snapshot, seq: 9 })], byEvent);
    expect(snapped.removedNames).toEqual({ u2: 'Rude' });
    expect(snapped.removedIds).toEqual(['u2']);
  });
});
