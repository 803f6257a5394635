/**
 * React binding of one session: HTTP calls, the live channel and the reducer.
 */

import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import {
  ApiError,
  RequestTimeout,
  type ApiClient,
  type Participation,
  type Question,
  type SessionResults,
} from './api';
import { recallSubmission, rememberSubmission } from './answerStore';
import { recallShown, rememberShown } from './shownStore';
import { describeRemovalError, isRemovedByHost } from './format';
import { isRemovedClose, LiveClient, liveUrl, type LiveStatus, type SocketFactory } from './live';
import { useRightAnswers } from './useRightAnswers';
import {
  answeredOnServer,
  initialSessionState,
  sessionReducer,
  submissionFor,
  type Participant,
  type SessionState,
} from './state';

export type Role = 'player' | 'host';

/** What the connection indicator shows: the live channel, or offline when the browser is. */
export type ConnectionState = LiveStatus | 'offline';

export type HostAction = 'start' | 'reveal' | 'next' | 'finish';

export interface SessionDeps {
  api: ApiClient;
  /** Returns a valid access token (re-issuing a dev token when needed). */
  freshToken: () => Promise<string | null>;
  /** Injected in tests. */
  WebSocket?: SocketFactory;
  location?: { protocol: string; host: string };
}

export interface SessionHandle {
  state: SessionState;
  connection: ConnectionState;
  participation: Participation | null;
  /** An error that stops the session view (join refused, session not found). */
  fatal: ApiError | Error | null;
  /** The last error of a host action or a question fetch, for display. */
  actionError: ApiError | Error | null;
  busy: boolean;
  results: SessionResults | null;
  resultsError: ApiError | Error | null;
  /**
   * (Players) The host removed this player: the session is over for them
   * (the live channel is closed for good, nothing more is fetched or sent).
   */
  removed: boolean;
  /** (Host) Players whose removal is being sent (their user ids). */
  removing: string[];
  /** (Host) The same players, with their names ("Removing Rude…"). */
  removingPlayers: Participant[];
  /**
   * (Host) Why the last removal failed ("Could not remove Dev: …"); cleared by
   * the next removal that goes through or when the live channel opens again.
   */
  removeError: string | null;
  /**
   * Send an answer (one submission id, kept before it goes). False when
   * nothing was sent: this tab or the server already has an answer to the
   * question, one is being sent, or the player was removed.
   */
  submit: (question: Question, answer: string) => boolean;
  nextSelfPaced: () => void;
  hostAction: (action: HostAction) => void;
  /** (Host) Remove a player from the session; a failure shows in `removeError`. */
  removePlayer: (participant: Participant) => void;
  /**
   * (Host) Lock the session to newcomers, or open it again; a failure shows
   * in `actionError`. The state's `locked` follows the reply and the events.
   */
  setLocked: (locked: boolean) => void;
  /** (Host) A lock or unlock is being sent. */
  locking: boolean;
  reconnect: () => void;
  /**
   * (Self-paced) The index of the question whose time ran out while the
   * player was away (the page was closed or reloaded); null otherwise. Kept
   * until the next question is served.
   */
  ranOutAway: number | null;
  /**
   * The player saw this question's time run out on screen; `sent`: what
   * they had typed went as their answer just then (no right answer to read
   * unless it is refused).
   */
  timeUp: (questionId: string, sent?: boolean) => void;
  /**
   * (Self-paced, when the host chose `show_answers`) question_id → its right
   * answer, read once the question was over for this player: answered wrong,
   * or its time ran out.
   */
  rightAnswers: Record<string, string>;
}

/** Generate a submission id; randomUUID needs a secure context, so fall back. */
export function newSubmissionId(): string {
  if (typeof crypto.randomUUID === 'function') {
    try {
      return crypto.randomUUID();
    } catch {
      // Not a secure context (plain http on a LAN address).
    }
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const RETRYABLE = new Set(['unavailable', 'rate_limited', 'http_error']);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a failed request never reached the server (no network). */
/** How long past its deadline a live question may stay open here before the socket is checked. */
const OVERDUE_CLOSE_MS = 3000;
// The standings a phone reads at the finish (its podium and the results'
// top ten; its own comes as `me`): a room of thousands reads them at once.
export const PLAYER_RESULTS_LIMIT = 10;

function isOffline(ex: unknown): boolean {
  return !(ex instanceof ApiError);
}

/** The browser says it has no network (a phone in a tunnel, Wi-Fi off). */
function browserOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

function isRetryable(ex: unknown): boolean {
  if (ex instanceof ApiError) return ex.status >= 500 || RETRYABLE.has(ex.code);
  // fetch rejects with a TypeError when the network is down.
  return true;
}

/** Run one session for a player or the host. */
export function useSession(sessionId: string, role: Role, deps: SessionDeps): SessionHandle {
  const [state, dispatch] = useReducer(sessionReducer, sessionId, initialSessionState);
  const [liveStatus, setConnection] = useState<LiveStatus>('idle');
  const [online, setOnline] = useState(() =>
    typeof navigator === 'undefined' || navigator.onLine !== false,
  );
  const connection: ConnectionState = online ? liveStatus : 'offline';
  // Answers whose send failed for want of a connection: resent (same id) on reconnect.
  const pending = useRef(new Map<string, () => void>());
  const [participation, setParticipation] = useState<Participation | null>(null);
  const [fatal, setFatal] = useState<ApiError | Error | null>(null);
  const [actionError, setActionError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<SessionResults | null>(null);
  const [resultsError, setResultsError] = useState<ApiError | Error | null>(null);
  const [removed, setRemoved] = useState(false);
  const [removingPlayers, setRemovingPlayers] = useState<Participant[]>([]);
  const removingRef = useRef(new Map<string, Participant>());
  const [removeError, setRemoveError] = useState<string | null>(null);
  const [locking, setLocking] = useState(false);
  const lockingRef = useRef(false);
  const stateRef = useRef(state);
  stateRef.current = state;
  const liveRef = useRef<LiveClient | null>(null);
  const inFlight = useRef(new Set<string>());
  // Questions whose earlier answer (before a reload) is being or was looked up.
  const restoring = useRef(new Set<string>());
  const userIdRef = useRef<string | null>(null);
  userIdRef.current = participation?.user_id ?? null;
  const depsRef = useRef(deps);
  depsRef.current = deps;
  const { api } = deps;

  // Join (players), read the session, then open the live channel.
  useEffect(() => {
    let cancelled = false;
    const { freshToken, WebSocket } = depsRef.current;
    const location = depsRef.current.location ?? window.location;
    const live = new LiveClient({
      url: async (since) => {
        const token = await freshToken();
        if (!token) throw new Error('signed out');
        return liveUrl(location, sessionId, token, since);
      },
      onMessage: (message) => {
        dispatch({ type: 'live', message, receivedAt: Date.now() });
        if (
          role === 'player' &&
          message.type === 'participant.removed' &&
          userIdRef.current !== null &&
          message.user_id === userIdRef.current
        ) {
          // The host removed this player: the server closes the socket next; never reopen it.
          setRemoved(true);
          live.end();
        } else if (message.type === 'participant.removed') {
          // Their answers leave the statistics: a reveal on screen is read again
          // (`last_question` comes back without them); nothing else is taken
          // from this read, which may cross newer events.
          api
            .getSession(sessionId)
            .then(({ session }) => {
              if (!cancelled) dispatch({ type: 'reveal.stats', value: session.last_question });
            })
            .catch(() => undefined);
        }
      },
      onStatus: (status, detail) => {
        setConnection(status);
        if (role === 'player' && isRemovedClose(detail?.code, detail?.reason)) setRemoved(true);
      },
      WebSocket,
    });
    liveRef.current = live;
    (async () => {
      if (role === 'player') {
        const joined = await api.join(sessionId);
        if (cancelled) return;
        setParticipation(joined);
        dispatch({ type: 'joined', participation: joined });
      }
      const { session, offsetMs } = await api.getSession(sessionId);
      if (cancelled) return;
      dispatch({ type: 'session', session, offsetMs });
      live.start();
    })().catch((ex: unknown) => {
      if (cancelled) return;
      // Back after the host removed them (a reload): the same calm end, not an error.
      if (role === 'player' && isRemovedByHost(ex)) {
        live.end();
        setRemoved(true);
        return;
      }
      setFatal(ex instanceof Error ? ex : new Error(String(ex)));
    });
    const online = () => {
      setOnline(true);
      live.reconnectNow();
    };
    const offline = () => {
      setOnline(false);
      live.suspend();
    };
    const visible = () => {
      if (document.visibilityState === 'visible') live.reconnectNow();
    };
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    document.addEventListener('visibilitychange', visible);
    return () => {
      cancelled = true;
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      document.removeEventListener('visibilitychange', visible);
      live.stop();
      liveRef.current = null;
    };
  }, [api, sessionId, role]);

  const refreshSession = useCallback(async () => {
    const { session, offsetMs } = await api.getSession(sessionId);
    dispatch({ type: 'session', session, offsetMs });
  }, [api, sessionId]);

  const [ranOutAway, setRanOutAway] = useState<number | null>(null);
  const fetchSelfPacedQuestion = useCallback(async () => {
    try {
      const question = await api.currentQuestion(sessionId);
      const owner = userIdRef.current;
      if (owner) {
        const left = recallShown(sessionId, owner);
        // A new page (nothing on screen yet) served past the question left
        // unanswered here: the server skipped it, its time ran out meanwhile.
        const away =
          left !== null && stateRef.current.question === null && (!question || question.index > left.index);
        setRanOutAway(away ? left.index : null);
        rememberShown(sessionId, owner, question && { question_id: question.question_id, index: question.index });
      }
      dispatch({ type: 'question.served', question });
      setActionError(null);
    } catch (ex) {
      if (ex instanceof ApiError && ex.code === 'session_finished') {
        await refreshSession().catch(() => undefined);
        return;
      }
      setActionError(ex instanceof Error ? ex : new Error(String(ex)));
    }
  }, [api, sessionId, refreshSession]);

  // Self-paced: serve the first question as soon as the session runs.
  const { mode, status } = state;
  const hasQuestion = state.question !== null;
  const joined = participation !== null;
  useEffect(() => {
    if (role !== 'player' || !joined || removed || mode !== 'self_paced') return;
    if (status === 'running' && !hasQuestion && !state.noQuestionLeft) {
      void fetchSelfPacedQuestion();
    }
  }, [role, joined, removed, mode, status, hasQuestion, state.noQuestionLeft, fetchSelfPacedQuestion]);

  // Self-paced sessions start without a live event: look at the session meanwhile.
  useEffect(() => {
    if (role !== 'player' || !joined || removed || mode !== 'self_paced' || status !== 'lobby') return;
    const timer = setInterval(() => {
      refreshSession().catch(() => undefined);
    }, 3000);
    return () => clearInterval(timer);
  }, [role, joined, removed, mode, status, refreshSession]);

  // Without the live channel (dropped, or blocked by a proxy) poll over HTTP meanwhile.
  const loaded = status !== null;
  useEffect(() => {
    if (!loaded || removed || connection === 'open' || status === 'finished') return;
    const timer = setInterval(() => {
      refreshSession().catch(() => undefined);
      api
        .leaderboard(sessionId, 10)
        .then((board) =>
          dispatch({
            type: 'leaderboard',
            version: board.version,
            entries: board.entries,
            me: board.me,
            participant_count: board.participant_count,
          }),
        )
        .catch(() => undefined);
    }, 4000);
    return () => clearInterval(timer);
  }, [api, sessionId, loaded, removed, connection, status, refreshSession]);

  // Final results once the session has finished.
  useEffect(() => {
    if (status !== 'finished' || results || removed) return;
    let cancelled = false;
    (async () => {
      for (let attempt = 0; attempt < 4 && !cancelled; attempt += 1) {
        try {
          const loaded = await api.results(sessionId, role === 'player' ? PLAYER_RESULTS_LIMIT : undefined);
          if (!cancelled) {
            setResults(loaded);
            setResultsError(null);
          }
          return;
        } catch (ex) {
          if (!cancelled) setResultsError(ex instanceof Error ? ex : new Error(String(ex)));
          await sleep(1000 * 2 ** attempt);
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, sessionId, role, status, results, removed]);

  const pollResult = useCallback(
    async (submissionId: string) => {
      for (const wait of [1000, 2000, 3000, 5000]) {
        await sleep(wait);
        const known = stateRef.current.submissions[submissionId];
        if (!known || known.state !== 'accepted') return;
        try {
          const res = await api.getAnswer(sessionId, submissionId);
          if (res.status === 'scored') {
            dispatch({ type: 'answer.scored', result: res });
            return;
          }
        } catch {
          // Keep waiting: the answer.result event may still arrive.
        }
      }
    },
    [api, sessionId],
  );

  // After a reload: the server says the open question is answered, and this tab
  // remembers the submission id it sent, so read the scored result and show it again.
  const userId = participation?.user_id ?? null;
  const currentId = state.question?.question_id;
  const currentSubmission = submissionFor(state, currentId);
  const restore =
    role === 'player' &&
    !removed &&
    userId !== null &&
    currentId !== undefined &&
    answeredOnServer(state, currentId) &&
    (!currentSubmission || currentSubmission.state === 'rejected');
  useEffect(() => {
    if (!restore || !currentId || !userId) return;
    const stored = recallSubmission(sessionId, userId, currentId);
    const attempt = `${currentId} ${stored?.submission_id ?? ''}`;
    if (!stored || restoring.current.has(attempt)) return;
    restoring.current.add(attempt);
    void (async () => {
      for (const wait of [0, 1000, 2000, 3000, 5000]) {
        if (wait) await sleep(wait);
        const known = submissionFor(stateRef.current, currentId);
        if (known && known.state !== 'rejected') return;
        try {
          const res = await api.getAnswer(sessionId, stored.submission_id);
          if (res.status === 'scored') {
            dispatch({
              type: 'answer.scored',
              result: res,
              question_id: currentId,
              answer: stored.answer,
            });
            return;
          }
        } catch (ex) {
          // Unknown submission (never reached the server): the neutral note stays.
          if (!isRetryable(ex)) return;
        }
      }
    })();
  }, [api, sessionId, restore, currentId, userId]);

  const removedRef = useRef(removed);
  removedRef.current = removed;

  // Self-paced homework: a wrong answer's result is when the right one may be learnt.
  const { answers: rightAnswers, afterWrong, afterTimeUp } = useRightAnswers(api, sessionId);
  const answeredWrong =
    role === 'player' &&
    !removed &&
    mode === 'self_paced' &&
    currentSubmission?.state === 'scored' &&
    currentSubmission.result?.correct === false;
  useEffect(() => {
    if (answeredWrong && currentId) afterWrong(currentId);
  }, [answeredWrong, currentId, afterWrong]);
  // What the time running out sent arrived too late: over unanswered after all.
  const refusedLate =
    role === 'player' &&
    !removed &&
    mode === 'self_paced' &&
    currentSubmission?.state === 'rejected' &&
    currentSubmission.error?.code === 'question_closed';
  useEffect(() => {
    if (refusedLate && currentId) afterTimeUp(currentId);
  }, [refusedLate, currentId, afterTimeUp]);

  const submit = useCallback(
    (question: Question, answer: string): boolean => {
      if (removedRef.current) return false;
      const now = stateRef.current;
      const existing = submissionFor(now, question.question_id);
      if (existing && existing.state !== 'rejected') return false;
      // The server already has an answer to it (sent before a reload).
      if (answeredOnServer(now, question.question_id)) return false;
      // A double tap (or Enter as the time runs out and sends the box) must
      // not send two answers before the state updates.
      if (inFlight.current.has(question.question_id)) return false;
      inFlight.current.add(question.question_id);
      const submissionId = newSubmissionId();
      const body = { question_id: question.question_id, answer, submission_id: submissionId };
      // Remember the id before sending: a reload while it is in flight can still find it.
      const owner = userIdRef.current;
      const previous = owner ? recallSubmission(sessionId, owner, question.question_id) : null;
      if (owner) {
        rememberSubmission(sessionId, owner, question.question_id, { submission_id: submissionId, answer });
        rememberShown(sessionId, owner, null);
      }
      dispatch({ type: 'answer.sending', ...body, question_index: question.index });
      const send = async () => {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          try {
            // The same submission id makes a retry safe: it never counts twice.
            const res = await api.submitAnswer(sessionId, body, 2);
            pending.current.delete(submissionId);
            if (res.status === 'scored') dispatch({ type: 'answer.scored', result: res });
            else {
              dispatch({ type: 'answer.accepted', submission_id: submissionId });
              void pollResult(submissionId);
            }
            return;
          } catch (ex) {
            const stalled = ex instanceof RequestTimeout;
            // A stalled network also holds the live socket without closing it: check it.
            if (stalled) liveRef.current?.probe();
            // Offline by the browser's word: no quick retries first (they kept
            // the phone saying "Sending…" beside its "Offline" for seconds).
            if (stalled || (isOffline(ex) && (attempt === 2 || browserOffline()))) {
              // No connection: keep the answer and send it again (same id) on reconnect.
              // Sent again as it is: the phone keeps saying the answer is kept
              // until one attempt gets through (not "Sending…" at each try).
              pending.current.set(submissionId, () => void send());
              dispatch({ type: 'answer.waiting', submission_id: submissionId, waiting: true });
              return;
            }
            if (!isRetryable(ex) || attempt === 2) {
              pending.current.delete(submissionId);
              const code = ex instanceof ApiError ? ex.code : 'network';
              const detail = ex instanceof Error ? ex.message : String(ex);
              if (owner && previous && code === 'already_answered') {
                // The earlier submission is the one the server kept: remember it, not this one.
                rememberSubmission(sessionId, owner, question.question_id, previous);
              }
              dispatch({ type: 'answer.rejected', submission_id: submissionId, code, detail });
              return;
            }
            const retryAfter = ex instanceof ApiError ? ex.retryAfterSeconds : null;
            await sleep(retryAfter ? retryAfter * 1000 : 500 * 2 ** attempt);
          }
        }
      };
      void send().finally(() => inFlight.current.delete(question.question_id));
      return true;
    },
    [api, sessionId, pollResult],
  );

  // A live question that should have closed by now but has not, on this
  // page: the socket may be silently stalled (a Wi-Fi that passes nothing),
  // so check it rather than wait for the keep-alives.
  const openId = state.questionOpen && state.mode === 'live' ? (state.question?.question_id ?? null) : null;
  const openCloses = openId ? state.question?.closes_at : null;
  useEffect(() => {
    if (!openId || !openCloses) return;
    const closesAt = Date.parse(openCloses);
    if (Number.isNaN(closesAt)) return;
    const wait = closesAt - stateRef.current.offsetMs - Date.now() + OVERDUE_CLOSE_MS;
    const timer = setTimeout(
      () => {
        const now = stateRef.current;
        if (now.questionOpen && now.question?.question_id === openId) liveRef.current?.probe();
      },
      Math.max(0, wait),
    );
    return () => clearTimeout(timer);
  }, [openId, openCloses]);

  // Back online or reconnected: resend the answers that could not go out.
  const flushPending = useCallback(() => {
    const waiting = [...pending.current.values()];
    pending.current.clear();
    // A removed player's answers no longer count: drop them.
    if (removedRef.current) return;
    for (const resend of waiting) resend();
  }, []);
  useEffect(() => {
    if (connection === 'open') flushPending();
  }, [connection, flushPending]);
  useEffect(() => {
    // Also retry now and then: HTTP may come back before the live channel does.
    const timer = setInterval(() => {
      if (pending.current.size > 0 && navigator.onLine !== false) flushPending();
    }, 5000);
    return () => clearInterval(timer);
  }, [flushPending]);

  const nextSelfPaced = useCallback(() => {
    void fetchSelfPacedQuestion();
  }, [fetchSelfPacedQuestion]);

  const hostAction = useCallback(
    (action: HostAction) => {
      setBusy(true);
      setActionError(null);
      void (async () => {
        try {
          if (action === 'start') await api.start(sessionId);
          else if (action === 'reveal') await api.reveal(sessionId);
          else if (action === 'next') await api.next(sessionId);
          else await api.finish(sessionId);
          // The live channel tells the same; this covers a lagging connection.
          await refreshSession();
        } catch (ex) {
          setActionError(ex instanceof Error ? ex : new Error(String(ex)));
        } finally {
          setBusy(false);
        }
      })();
    },
    [api, sessionId, refreshSession],
  );

  const removePlayer = useCallback(
    (participant: Participant) => {
      const { user_id: userId, display_name: name } = participant;
      // One request per player at a time (its control is disabled meanwhile).
      if (removingRef.current.has(userId)) return;
      removingRef.current.set(userId, { user_id: userId, display_name: name });
      setRemovingPlayers([...removingRef.current.values()]);
      void (async () => {
        try {
          await api.removeParticipant(sessionId, userId);
          // Off the lists now; the live event says the same (with the count).
          dispatch({ type: 'participant.removed', user_id: userId, display_name: name });
          // It went through: an earlier failure ("Could not reach the server") is old news.
          setRemoveError(null);
        } catch (ex) {
          setRemoveError(describeRemovalError(ex, name));
        } finally {
          removingRef.current.delete(userId);
          setRemovingPlayers([...removingRef.current.values()]);
        }
      })();
    },
    [api, sessionId],
  );
  const removing = useMemo(() => removingPlayers.map((player) => player.user_id), [removingPlayers]);

  const setLocked = useCallback(
    (locked: boolean) => {
      // One request at a time (the toggle is aria-disabled meanwhile): a
      // double click must not lock and unlock again at once.
      if (lockingRef.current) return;
      lockingRef.current = true;
      setLocking(true);
      setActionError(null);
      void (async () => {
        try {
          const session = await api.setLocked(sessionId, locked);
          // The live channel says the same (`session.locked`); this covers a lagging connection.
          dispatch({ type: 'locked', locked: typeof session?.locked === 'boolean' ? session.locked : locked });
        } catch (ex) {
          setActionError(ex instanceof Error ? ex : new Error(String(ex)));
        } finally {
          lockingRef.current = false;
          setLocking(false);
        }
      })();
    },
    [api, sessionId],
  );

  // The live channel is back: a removal that failed for want of a connection
  // is not still failing; its message goes (the host may try again).
  useEffect(() => {
    if (connection === 'open') setRemoveError(null);
  }, [connection]);

  const reconnect = useCallback(() => {
    liveRef.current?.reconnectNow();
  }, []);

  const timeUp = useCallback(
    (questionId: string, sent = false) => {
      const owner = userIdRef.current;
      if (owner && recallShown(sessionId, owner)?.question_id === questionId) {
        rememberShown(sessionId, owner, null);
      }
      // Self-paced homework: over unanswered, the right answer comes after the
      // server's grace. A typed answer sent at that moment is scored instead
      // (a wrong one's result asks for it; a refused one, above).
      if (!sent && role === 'player' && !removedRef.current && stateRef.current.mode === 'self_paced') {
        afterTimeUp(questionId);
      }
    },
    [sessionId, role, afterTimeUp],
  );

  return {
    state,
    connection,
    participation,
    fatal,
    actionError,
    busy,
    results,
    resultsError,
    removed,
    removing,
    removingPlayers,
    removeError,
    submit,
    nextSelfPaced,
    hostAction,
    removePlayer,
    setLocked,
    locking,
    reconnect,
    ranOutAway,
    timeUp,
    rightAnswers,
  };
}
