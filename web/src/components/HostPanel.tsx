import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { ApiError, type LeaderboardEntry, type SessionProgress } from '../api';
import { useRowsThatFit } from '../fitRows';
import { describeError, formatPoints } from '../format';
import { useHiddenAnswers, useTypedAnswersShown } from '../hiddenAnswers';
import { isThisComputerOnly, joinUrl } from '../joinCode';
import { tileClass, tileShape } from '../palette';
import { phaseOf, type Participant } from '../state';
import { useProgress } from '../useProgress';
import { useQuestionResponses } from '../useQuestionResponses';
import { useSession, type HostAction, type SessionDeps } from '../useSession';
import { ConfirmDialog } from './ConfirmDialog';
import { ConnectionStatus } from './ConnectionStatus';
import { Countdown } from './Countdown';
import { Leaderboard } from './Leaderboard';
import { chipDensity, PlayerChips } from './Lobby';
import { PlayersDialog } from './PlayersDialog';
import { Podium } from './Podium';
import { PresenterCode } from './PresenterCode';
import { QrCode } from './QrCode';
import { choiceKey } from './QuestionCard';
import { QuestionStatsView } from './QuestionStatsView';
import type { RemoveIntent } from './RemoveButton';
import { ResultsTable } from './ResultsTable';
import { SelfPacedProgress } from './SelfPacedProgress';

export interface HostPanelProps {
  sessionId: string;
  deps: SessionDeps;
  /** Base of the join link and QR code: the configured public URL or the page's origin. */
  origin: string;
  pathname: string;
  /** The signed-in user; host control only when it is the session's host. */
  userId: string | null;
  onNewSession: () => void;
  onUnauthorized: () => void;
  /** Told once the session's host is known: whether it is this user. */
  onHostKnown?: (sessionId: string, isHost: boolean) => void;
}

/** Names shown in the lobby at most; a crowd is summarised by its count. */
const MAX_NAMES = 80;

/** The reveal's leaderboard rows: as many as fit beside the chart, within these. */
const BOARD_ROWS_MAX = 8;
const BOARD_ROWS_MIN = 3;

/** What the class typed, at a typed question's reveal: the groups that fit, within these. */
const TYPED_ROWS_MAX = 8;
const TYPED_ROWS_MIN = 1;

/** The keys that take the main step: the space bar, and a presenter remote's "next". */
const ADVANCE_KEYS = new Set([' ', 'PageDown', 'ArrowRight']);

/** How long after a step the main action waits before it can be taken again. */
export const SETTLE_MS = 1000;
/** The largest grace the server gives answers after `closes_at` (`QUIZ_ANSWER_GRACE_MS`, at most 1 s). */
export const GRACE_MAX_MS = 1000;

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

/** Where the host pressed a player's ×: the lobby's names, a leaderboard, or the players dialog. */
type RemoveFrom = 'lobby' | 'board' | 'players';

/** A removal the host is asked to confirm. */
interface RemoveAsk {
  participant: Participant;
  from: RemoveFrom;
  /** Pressed with a mouse, finger or pen (not the keyboard). */
  pointer: boolean;
}

/**
 * Where the focus goes once a removal is confirmed (or its player is gone
 * meanwhile): along the lobby's list to the next × for a keyboard user
 * removing several names in a row; within the players dialog while it is
 * open; else to the main action, where Space goes on with the quiz (a ×
 * focused there would take the Space and ask to remove the next player).
 */
function focusAfterRemoval(ask: RemoveAsk): 'list' | 'players' | 'main' {
  if (ask.from === 'players') return 'players';
  return ask.from === 'lobby' && !ask.pointer ? 'list' : 'main';
}

/** The class a revealed question closed on ("of N answered"). */
interface ClosedOn {
  questionId: string;
  count: number;
  /** Players removed so far, when last looked at. */
  removals: number;
  /** A removal's board was still due when last looked at. */
  awaiting: boolean;
}

/**
 * The class the revealed question closed on: taken once at the close (a
 * player joining at the reveal had no chance to answer), then lowered, never
 * raised, while a removal has been made and its board (the players here
 * without them) is due.
 */
function followClass(
  known: ClosedOn | null,
  questionId: string,
  here: number,
  removals: number,
  recountDue: boolean,
): ClosedOn {
  if (known?.questionId !== questionId) {
    return { questionId, count: here, removals, awaiting: recountDue };
  }
  const removedSince = removals !== known.removals;
  if (!removedSince && !recountDue && !known.awaiting) return known;
  const count = Math.min(known.count, here);
  if (count === known.count && !removedSince && recountDue === known.awaiting) return known;
  return { ...known, count, removals, awaiting: recountDue };
}

/** A prompt longer than this takes smaller type on the projector (three lines at full size). */
export const LONG_PROMPT = 60;

/** The projector's class for a question's prompt: smaller type for a long one. */
export function promptClass(prompt: string, small = false): string {
  const long = prompt.length > LONG_PROMPT ? ' stage-prompt-long' : '';
  return `stage-prompt${small ? ' stage-prompt-small' : ''}${long}`;
}

/** What finishing a self-paced quiz now does to the players still working. */
export function unfinishedNote(progress: SessionProgress): string {
  const players = progress.items.length;
  const working = players - progress.done_count;
  if (working <= 0) return 'Every player has finished.';
  return `${working} of ${players} ${players === 1 ? 'player has' : 'players have'} not finished yet. Finishing now stops them where they are.`;
}

function isTypingOrButton(target: EventTarget | null): boolean {
  return isTyping(target) || (target instanceof HTMLElement && ['BUTTON', 'A'].includes(target.tagName));
}

/**
 * The host's presenter screen, made for a projector (1920x1080 and down).
 *
 * Lobby (huge quiz ID, QR code, names), the open question (timer, answer count,
 * lettered coloured choices as on the phones), the reveal (answer chart, or
 * what the class typed to a typed question, and leaderboard) and the podium.
 * Space shows the answer, then opens the next question.
 */
export function HostPanel({
  sessionId,
  deps,
  origin,
  pathname,
  userId,
  onNewSession,
  onUnauthorized,
  onHostKnown,
}: HostPanelProps) {
  const session = useSession(sessionId, 'host', deps);
  const { state, fatal, results, busy, hostAction } = session;
  // The step the host is asked to confirm first, if any.
  const [confirming, setConfirming] = useState<'start' | 'finish' | null>(null);
  // The player the host is asked to confirm removing, if any.
  const [toRemove, setToRemove] = useState<RemoveAsk | null>(null);
  // The dialog listing every player (for those the lobby or the top rows do not show).
  const [playersOpen, setPlayersOpen] = useState(false);
  // The last removal from the lobby's list came from the keyboard: the focus
  // moves on to the next name's ×.
  const [lobbyKeepsFocus, setLobbyKeepsFocus] = useState(true);
  const link = joinUrl(origin, pathname, sessionId);
  // Where phones go to type the quiz ID (the link without it).
  const joinAt = link.replace(/\?join=.*$/, '');
  const phase = phaseOf(state);
  const live = state.mode === 'live';
  const isHost = state.hostId !== null && userId !== null && state.hostId === userId;
  const index = state.questionIndex;
  const isLast =
    state.questionCount !== null && index !== null && index + 1 >= state.questionCount;

  useEffect(() => {
    if (fatal instanceof ApiError && fatal.status === 401) onUnauthorized();
  }, [fatal, onUnauthorized]);

  // The standings as the projector last showed them. While a live question
  // is open the board moves with each answer scored, and nothing on the
  // projector may show it before the reveal does: the room would see who
  // answered right. Not known after a reload during a question.
  const holdStandings = live && phase === 'question';
  const [shownEntries, setShownEntries] = useState<LeaderboardEntry[] | null>(null);
  if (!holdStandings && shownEntries !== state.entries) setShownEntries(state.entries);
  const leader = (holdStandings ? shownEntries : state.entries)?.find(
    (entry) => !state.removedIds.includes(entry.user_id),
  );

  // Told when the answer changes, not at every new callback of a render.
  const hostKnownRef = useRef(onHostKnown);
  hostKnownRef.current = onHostKnown;
  const hostKnown = state.hostId !== null && userId !== null;
  useEffect(() => {
    if (hostKnown) hostKnownRef.current?.(sessionId, isHost);
  }, [hostKnown, isHost, sessionId]);

  // The one main action of each phase (also on the space bar).
  let primary: { action: HostAction; label: string; testId: string } | null = null;
  if (isHost && phase === 'lobby') {
    primary = { action: 'start', label: 'Start quiz', testId: 'host-start' };
  } else if (isHost && live && phase === 'question' && state.questionOpen) {
    primary = { action: 'reveal', label: 'Show answer', testId: 'host-reveal' };
  } else if (isHost && live && phase === 'reveal') {
    primary = isLast
      ? { action: 'next', label: 'Show podium', testId: 'host-next' }
      : { action: 'next', label: 'Next question', testId: 'host-next' };
  }
  const spaceAction = primary && primary.action !== 'start' ? primary.action : null;

  // One press, one step: the main action waits SETTLE_MS after the last
  // one finished (or was pressed) before it can be taken again, its button
  // aria-disabled meanwhile (a click is ignored and met with "One moment…",
  // the focus kept), so a double-tapped Space or a double click cannot
  // open a question and close it at once, or show an answer and move
  // straight on.
  const [settleUntil, setSettleUntil] = useState(0);
  const [, setSettled] = useState(0);
  const settling = settleUntil > Date.now();
  useEffect(() => {
    const wait = settleUntil - Date.now();
    if (wait <= 0) return;
    const timer = setTimeout(() => setSettled((count) => count + 1), wait);
    return () => clearTimeout(timer);
  }, [settleUntil]);
  const wasBusy = useRef(false);
  useEffect(() => {
    if (wasBusy.current && !busy) setSettleUntil(Date.now() + SETTLE_MS);
    wasBusy.current = busy;
  }, [busy]);
  // And when the step changes by itself (time up, everyone answered): a
  // Space pressed to show the answer just then must not skip the reveal.
  const step = primary?.testId ?? null;
  const lastStep = useRef<string | null>(null);
  useEffect(() => {
    if (lastStep.current !== null && step !== null && step !== lastStep.current) {
      setSettleUntil(Date.now() + SETTLE_MS);
    }
    if (step !== null) lastStep.current = step;
  }, [step]);
  // The same wait once the lock toggle has handed the main action the
  // focus (below): a double press on the toggle (Enter, Enter) must not
  // land its second press here and show the answer early. The button keeps
  // the focus meanwhile (aria-disabled, not disabled: a disabled button
  // drops it to the page) and takes no Space, Enter or click.
  const [holdUntil, setHoldUntil] = useState(0);
  const holdRef = useRef(0);
  const holding = holdUntil > Date.now();
  useEffect(() => {
    const wait = holdUntil - Date.now();
    if (wait <= 0) return;
    const timer = setTimeout(() => setSettled((count) => count + 1), wait);
    return () => clearTimeout(timer);
  }, [holdUntil]);
  // The main action shows the wait it keeps (after a step, or held after the
  // lock toggle) as a bar filling across it.
  const settleEnd = Math.max(settleUntil, holdUntil);
  const settleBar = !busy && (settling || holding);
  // Its length, taken as it starts: a render meanwhile must not change it.
  const settleMs = useMemo(() => Math.max(0, settleEnd - Date.now()), [settleEnd]);
  // "Show answer" pressed once the open question's time is up on the
  // server's clock: the server still takes answers for its grace
  // (QUIZ_ANSWER_GRACE_MS, at most GRACE_MAX_MS) and a reveal ends the grace
  // at once, so answers the phones sent at 0 and still on their way would be
  // refused, unevenly by network speed. The press is held (nothing sent)
  // until the server closes the question itself (`question.closed`) or
  // closes_at + GRACE_MAX_MS passes; only then is /reveal sent, if still
  // needed. A press before 0 (cutting the question short) goes at once.
  const openQuestion = live && phase === 'question' && state.questionOpen ? state.question : null;
  const offsetMs = state.offsetMs;
  const [collectingFor, setCollectingFor] = useState<string | null>(null);
  const collecting =
    collectingFor !== null && primary?.action === 'reveal' && openQuestion?.question_id === collectingFor;
  const collectingRef = useRef(false);
  collectingRef.current = collecting;
  useEffect(() => {
    if (collectingFor === null) return;
    if (!collecting) {
      // Closed by the server meanwhile (or moved on): nothing left to send.
      setCollectingFor(null);
      return;
    }
    const closesAt = Date.parse(openQuestion?.closes_at ?? '');
    const wait = Number.isNaN(closesAt) ? 0 : closesAt + GRACE_MAX_MS - (Date.now() + offsetMs);
    const timer = setTimeout(() => {
      setCollectingFor(null);
      setSettleUntil(Date.now() + SETTLE_MS);
      hostAction('reveal');
    }, Math.max(0, wait));
    return () => clearTimeout(timer);
  }, [collectingFor, collecting, openQuestion, offsetMs, hostAction]);
  const press = useCallback(
    (action: HostAction) => {
      if (Date.now() < settleUntil || Date.now() < holdRef.current || collectingRef.current) return;
      if (action === 'reveal' && openQuestion) {
        const closesAt = Date.parse(openQuestion.closes_at ?? '');
        const serverNow = Date.now() + offsetMs;
        if (!Number.isNaN(closesAt) && serverNow >= closesAt && serverNow < closesAt + GRACE_MAX_MS) {
          collectingRef.current = true;
          setCollectingFor(openQuestion.question_id);
          return;
        }
      }
      setSettleUntil(Date.now() + SETTLE_MS);
      hostAction(action);
    },
    [hostAction, settleUntil, openQuestion, offsetMs],
  );
  // A press the wait takes nothing from (Space or a remote's key within the
  // second, a click on the held button) is not met with silence: "One
  // moment…" shows under the main action until it takes presses again. The
  // wait itself is kept as it is.
  const [nudges, setNudges] = useState(0);
  const nudge = useCallback(() => setNudges((count) => count + 1), []);
  const waiting = busy || settling || holding;
  useEffect(() => {
    if (!waiting) setNudges(0);
  }, [waiting]);

  useEffect(() => {
    if (!spaceAction || confirming || toRemove || playersOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (!ADVANCE_KEYS.has(event.key) || event.repeat) return;
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      // A focused button takes the space itself (not a remote's key); a
      // text field wants the key typed.
      if (event.key === ' ' ? isTypingOrButton(event.target) : isTyping(event.target)) return;
      event.preventDefault();
      // Collecting the last answers: the press already made is enough.
      if (collectingRef.current) return;
      if (busy || Date.now() < settleUntil || Date.now() < holdRef.current) nudge();
      else press(spaceAction);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [spaceAction, busy, settleUntil, confirming, toRemove, playersOpen, press, nudge]);

  const finish = useCallback(() => {
    setConfirming(null);
    hostAction('finish');
  }, [hostAction]);
  const startAnyway = useCallback(() => {
    setConfirming(null);
    press('start');
  }, [press]);
  const cancelConfirm = useCallback(() => setConfirming(null), []);

  // Removing a player (a rude name on the projector) is asked first: they cannot come back.
  const { removePlayer, removing, removingPlayers } = session;
  const askRemove = useCallback((from: RemoveFrom, participant: Participant, intent: RemoveIntent) => {
    if (from === 'lobby') setLobbyKeepsFocus(!intent.pointer);
    setToRemove({
      participant: { user_id: participant.user_id, display_name: participant.display_name },
      from,
      pointer: intent.pointer,
    });
  }, []);
  const removeFromLobby = useCallback(
    (participant: Participant, intent: RemoveIntent) => askRemove('lobby', participant, intent),
    [askRemove],
  );
  const removeFromBoard = useCallback(
    (participant: Participant, intent: RemoveIntent) => askRemove('board', participant, intent),
    [askRemove],
  );
  const removeFromPlayers = useCallback(
    (participant: Participant, intent: RemoveIntent) => askRemove('players', participant, intent),
    [askRemove],
  );
  // Where the focus goes once the confirmation closes (none after Cancel:
  // the dialog gives it back to the × that opened it).
  const afterRemoval = useRef<'list' | 'players' | 'main' | null>(null);
  const confirmRemove = useCallback(() => {
    if (!toRemove) return;
    removePlayer(toRemove.participant);
    afterRemoval.current = focusAfterRemoval(toRemove);
    setToRemove(null);
  }, [removePlayer, toRemove]);
  const cancelRemove = useCallback(() => setToRemove(null), []);
  // The player was removed meanwhile (from another host tab): nothing left to confirm.
  const removedIds = state.removedIds;
  useEffect(() => {
    if (toRemove && removedIds.includes(toRemove.participant.user_id)) {
      afterRemoval.current = focusAfterRemoval(toRemove);
      setToRemove(null);
    }
  }, [toRemove, removedIds]);

  // Said to screen readers after each removal ("Rude was removed."), this
  // screen's or another's: nothing else on the reveal says it.
  const [announcement, setAnnouncement] = useState('');
  const announced = useRef<readonly string[]>(removedIds);
  const removedNames = state.removedNames;
  useEffect(() => {
    const before = announced.current;
    announced.current = removedIds;
    const fresh = removedIds.filter((id) => !before.includes(id));
    if (fresh.length === 0) return;
    setAnnouncement(fresh.map((id) => `${removedNames[id] ?? 'A player'} was removed.`).join(' '));
  }, [removedIds, removedNames]);

  const loadPlayers = useCallback(() => deps.api.listParticipants(sessionId), [deps.api, sessionId]);
  // The final results offer what the class typed to each typed question.
  const loadResponses = useCallback(
    (questionId: string) => deps.api.questionResponses(sessionId, questionId),
    [deps.api, sessionId],
  );
  const closePlayers = useCallback(() => setPlayersOpen(false), []);
  // Nothing to remove any more once the quiz is over.
  const finished = state.status === 'finished';
  useEffect(() => {
    if (!finished) return;
    setPlayersOpen(false);
    setToRemove(null);
  }, [finished]);

  const classSize = state.participantCount ?? state.participants.length;
  // Someone joined while the host was asked to start with nobody: nothing
  // left to ask.
  useEffect(() => {
    if (confirming === 'start' && classSize > 0) setConfirming(null);
  }, [confirming, classSize]);

  // Where the focus goes once a dialog closes. While a main action goes on
  // with the quiz on Space (a live question or reveal), it takes the focus,
  // as its Space hint promises: "Finish quiz" or "Players" focused again
  // would reopen their dialog on Space. Otherwise (self-paced, the lobby)
  // the dialog gives the focus back to the button that opened it, never to
  // the page: from there the next Tab would land on whatever follows, a
  // leaderboard's × among them, one Enter from removing a student. The
  // exception is "Start quiz", which Space must never press: it is left.
  const primaryButton = useRef<HTMLButtonElement>(null);
  const finishButton = useRef<HTMLButtonElement>(null);
  const playersButton = useRef<HTMLButtonElement>(null);
  const spaceActionRef = useRef(spaceAction);
  spaceActionRef.current = spaceAction;
  const focusMainAction = useCallback(() => {
    // In the lobby Space does nothing: not reopen the dialog either. A main
    // button still settling takes the focus once it is back (below).
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    if (spaceActionRef.current) primaryButton.current?.focus();
  }, []);
  const focusAfterDialog = useCallback(
    (opener: HTMLButtonElement | null) => {
      if (spaceActionRef.current || opener === null) {
        focusMainAction();
      } else if (document.activeElement !== opener) {
        // The dialog gave the focus back to what had it when it opened: a
        // click on a browser that does not focus buttons (Safari) left none.
        opener.focus();
      }
    },
    [focusMainAction],
  );
  const dialogWasOpen = useRef<'start' | 'finish' | null>(null);
  useEffect(() => {
    if (confirming) {
      dialogWasOpen.current = confirming;
      return;
    }
    const closed = dialogWasOpen.current;
    if (!closed) return;
    dialogWasOpen.current = null;
    focusAfterDialog(closed === 'finish' ? finishButton.current : null);
  }, [confirming, focusAfterDialog]);
  const playersWasOpen = useRef(false);
  useEffect(() => {
    if (playersOpen) {
      playersWasOpen.current = true;
      return;
    }
    if (!playersWasOpen.current) return;
    playersWasOpen.current = false;
    focusAfterDialog(playersButton.current);
  }, [playersOpen, focusAfterDialog]);
  // A removal confirmed from a leaderboard, or pressed with a pointer.
  useEffect(() => {
    if (toRemove) return;
    const route = afterRemoval.current;
    afterRemoval.current = null;
    if (route === 'main') focusMainAction();
  }, [toRemove, focusMainAction]);

  // A button pressed from the keyboard is disabled while its action runs,
  // which drops focus to the page: once it is back, the next step's button
  // takes focus, so keyboard and screen-reader users keep their place. Not
  // "Start quiz": Space on a focused button presses it, and Space must not
  // start a quiz from the lobby.
  useEffect(() => {
    const lost = document.activeElement === document.body || document.activeElement === null;
    if (!busy && spaceAction && lost) primaryButton.current?.focus();
  }, [busy, settling, spaceAction]);

  // "N of M answered". N: never more than the class (a removed player's
  // answer stops counting; the board after the removal confirms it). M: the
  // players here where the server says (a player who left for good stops
  // counting), never fewer than answered, and never more than the class (a
  // removal lowers it before the board saying who is here comes).
  const answered =
    state.answerCount === null || state.participantCount === null
      ? state.answerCount
      : Math.min(state.answerCount, state.participantCount);
  const present =
    state.presentCount === null ? classSize : Math.max(state.presentCount, answered ?? 0);
  const here = state.participantCount === null ? present : Math.min(present, state.participantCount);
  // A revealed question's "of N answered" stays the class it closed on: a
  // player joining at the reveal had no chance to answer it, and a phone
  // dropping out or coming back online does not change who could. Only a
  // removal (just before the close, which it may have caused, or during the
  // reveal) lowers it: it follows the class down until the board after the
  // removal has said who is here.
  const [closedOn, setClosedOn] = useState<ClosedOn | null>(null);
  const revealedId = live && phase === 'reveal' ? (state.question?.question_id ?? null) : null;
  const removals = removedIds.length;
  const recountDue = state.recount !== null;
  useEffect(() => {
    if (revealedId === null) return;
    setClosedOn((known) => followClass(known, revealedId, here, removals, recountDue));
  }, [revealedId, here, removals, recountDue]);
  const answeredOf =
    revealedId !== null && closedOn?.questionId === revealedId
      ? Math.min(closedOn.count, classSize)
      : here;

  // The reveal's leaderboard: the rows that fit beside the chart on this screen.
  const [boardRows, boardList] = useRowsThatFit(BOARD_ROWS_MIN, BOARD_ROWS_MAX);

  // A typed question's reveal lists what the class typed, read again when
  // its answer count changes (a removal drops a player's answer); a choice
  // question's chart already shows it.
  const typedId =
    isHost && revealedId !== null && state.closed && state.question?.kind === 'text' ? revealedId : null;
  const typed = useQuestionResponses(deps.api, sessionId, typedId, state.closed?.answer_count ?? null);
  const [typedRows, typedList] = useRowsThatFit(TYPED_ROWS_MIN, TYPED_ROWS_MAX);
  // A rude word typed by a student stays off the projector once the teacher
  // hid it (this session, this tab, through a reload), and a teacher may
  // keep the whole list hidden until asked for (this browser).
  // "Show hidden" puts the session's words back. After a "Hide" (or "Show
  // hidden") on the reveal the focus goes to the main action, as after a
  // removal, so Space goes on with the quiz and never hides the next word.
  const [hiddenAnswers, hideAnswer, restoreAnswers] = useHiddenAnswers(sessionId);
  const [typedShown, setTypedShown] = useTypedAnswersShown();
  const typedControls = useMemo(
    () => ({
      hidden: hiddenAnswers,
      onHide: hideAnswer,
      onRestore: restoreAnswers,
      focusAfter: focusMainAction,
      shown: typedShown,
      onShownChange: setTypedShown,
    }),
    [hiddenAnswers, hideAnswer, restoreAnswers, focusMainAction, typedShown, setTypedShown],
  );
  // The results' lists and the self-paced view's are opened on demand: no
  // toggle, and no main action (the focus goes to the list's title).
  const resultsTypedControls = useMemo(
    () => ({ hidden: hiddenAnswers, onHide: hideAnswer, onRestore: restoreAnswers }),
    [hiddenAnswers, hideAnswer, restoreAnswers],
  );

  // Locking the quiz to newcomers (a quiz ID passed on to another room):
  // the toggle sends the lock or unlock. While a live question or reveal
  // goes on with Space, the focus then goes where it goes after a removal,
  // to the main action, so the next Space goes on with the quiz and never
  // unlocks it again; that action holds for SETTLE_MS first (above), so a
  // double press on the toggle locks once and shows nothing. Where no main
  // action takes Space (the lobby, self-paced), the toggle keeps the focus
  // (never the page: the next Tab would start over from the top). The
  // class-facing note and the toggle follow the server (the reply, then
  // `session.locked`/`session.unlocked`).
  const { setLocked, locking } = session;
  const locked = state.locked;
  // The toggle too takes one press a second (a double click locks once),
  // aria-disabled meanwhile and while its request is sent: never disabled,
  // which would drop the focus to the page.
  const [toggleHoldUntil, setToggleHoldUntil] = useState(0);
  const toggleHoldRef = useRef(0);
  const toggleHolding = toggleHoldUntil > Date.now();
  useEffect(() => {
    const wait = toggleHoldUntil - Date.now();
    if (wait <= 0) return;
    const timer = setTimeout(() => setSettled((count) => count + 1), wait);
    return () => clearTimeout(timer);
  }, [toggleHoldUntil]);
  const toggleLock = useCallback(() => {
    const until = Date.now() + SETTLE_MS;
    if (!locking && Date.now() >= toggleHoldRef.current) {
      setLocked(!locked);
      toggleHoldRef.current = until;
      setToggleHoldUntil(until);
    }
    const main = primaryButton.current;
    if (!spaceActionRef.current || !main) return;
    // Each press that hands the main action the focus holds it a second.
    holdRef.current = until;
    // Rendered held (focusable) before it takes the focus.
    flushSync(() => setHoldUntil(until));
    main.focus();
    // Still disabled (a step being sent): the focus goes to it once it is back (below).
    if (document.activeElement !== main) focusMainAction();
  }, [setLocked, locked, locking, focusMainAction]);
  // Said to screen readers when it changes (from this screen or another):
  // the focus may have left the toggle, whose new name would have said it.
  const [lockAnnouncement, setLockAnnouncement] = useState('');
  const lockKnown = useRef<boolean | null>(null);
  const loadedStatus = state.status !== null;
  useEffect(() => {
    if (!loadedStatus) return;
    const before = lockKnown.current;
    lockKnown.current = locked;
    if (before === null || before === locked) return;
    setLockAnnouncement(
      locked ? 'Joining is locked: nobody new can join.' : 'Joining is open again: new players can join.',
    );
  }, [loadedStatus, locked]);

  // Self-paced: where each player is, for the table and the finish dialog.
  const selfPacedRunning = isHost && !live && state.status === 'running';
  const progress = useProgress(deps.api, sessionId, selfPacedRunning, state.leaderboardVersion);

  if (fatal) {
    return (
      <section className="card" role="alert">
        <h1>Session {sessionId}</h1>
        <p>{describeError(fatal)}</p>
        <button type="button" className="button secondary" onClick={onNewSession}>
          Host another quiz
        </button>
      </section>
    );
  }

  if (state.hostId !== null && !isHost) {
    return (
      <section className="card" role="alert" data-testid="not-host">
        <h1>Quiz {sessionId}</h1>
        <p>
          This quiz is hosted from another browser. Only its host can run it; you can join it as a
          player.
        </p>
        <p>
          <a className="button primary" href={`#/join/${sessionId}`} data-testid="join-as-player">
            Join as a player
          </a>
        </p>
      </section>
    );
  }

  const question = state.question;
  const participants = state.participantCount ?? state.participants.length;
  const lockLabel = locked ? 'Unlock joining' : 'Lock joining';
  const lobbyNames = state.participants.slice(-MAX_NAMES);
  // As the results will show them: a live question is played once it has
  // opened (answered or not), a self-paced quiz's all are once it started.
  const unplayed =
    state.questionCount === null
      ? null
      : state.status === 'lobby'
        ? state.questionCount
        : !live
          ? 0
          : Math.max(0, state.questionCount - (index === null ? 0 : index + 1));

  return (
    <div className="presenter" data-testid="presenter" data-phase={phase ?? ''}>
      <header className="presenter-bar">
        <div className="presenter-title">
          <strong title={state.title ?? undefined}>{state.title ?? 'Quiz'}</strong>
          {phase !== 'lobby' && phase !== null && (
            <PresenterCode
              sessionId={sessionId}
              joinAt={joinAt}
              locked={locked}
              finished={phase === 'finished'}
            />
          )}
        </div>
        {/* Once finished nothing live is left to follow: no "● Live" over the podium.
            Self-paced, "Live" would read as the other mode: the channel is "Open". */}
        {phase !== 'finished' && (
          <ConnectionStatus
            status={session.connection}
            onRetry={session.reconnect}
            openLabel={state.mode === 'self_paced' ? 'Open' : undefined}
          />
        )}
        <div className="presenter-controls" aria-label="Quiz controls" role="group">
          {primary && (
            <button
              ref={primaryButton}
              type="button"
              className={`button primary big${settleBar ? ' is-settling' : ''}`}
              data-testid={primary.testId}
              data-settling={waiting ? 'true' : undefined}
              // Disabled only while its step is sent. During the second it
              // waits (and while held) it is aria-disabled instead: a click
              // or tap still reaches it, is ignored and says "One moment…"
              // as Space does, and the button keeps the focus.
              disabled={busy}
              aria-disabled={!busy && (settling || holding || collecting) ? true : undefined}
              aria-busy={collecting ? true : undefined}
              onClick={() => {
                // Collecting the last answers: the press already made is enough.
                if (collectingRef.current) return;
                // Settling after a step, or held after the lock toggle (a
                // second press meant for the toggle): taken for nothing.
                if (Date.now() < settleUntil || Date.now() < holdRef.current) {
                  nudge();
                  return;
                }
                // Starting with nobody in the lobby is asked first: a question
                // would open to "0 of 0 answered".
                if (primary.action === 'start' && participants === 0) setConfirming('start');
                else press(primary.action);
              }}
              aria-keyshortcuts={primary.action === 'start' ? undefined : 'Space PageDown ArrowRight'}
            >
              {collecting ? 'Collecting the last answers…' : primary.label}
              {primary.action !== 'start' && !collecting && <kbd className="kbd">Space</kbd>}
              {/* The second it waits, filling (restarted with each wait). */}
              {settleBar && (
                <span
                  key={settleEnd}
                  className="settle-bar"
                  aria-hidden="true"
                  style={{ animationDuration: `${settleMs}ms` }}
                />
              )}
            </button>
          )}
          {primary && nudges > 0 && (
            // Restarted with each press it did not take; said to screen readers below.
            <span key={nudges} className="settle-note" aria-hidden="true" data-testid="host-settling">
              One moment…
            </span>
          )}
          {isHost && state.status !== 'finished' && state.status !== null && (
            <button
              type="button"
              className="button secondary"
              ref={playersButton}
              data-testid="players-button"
              aria-haspopup="dialog"
              onClick={() => setPlayersOpen(true)}
            >
              Players ({participants})
            </button>
          )}
          {isHost && (state.status === 'lobby' || state.status === 'running') && (
            <button
              type="button"
              className={`button secondary lock-toggle${locked ? ' is-locked' : ''}`}
              data-testid="host-lock"
              // What it does, not a state: the note where the quiz ID is shown says that.
              aria-label={lockLabel}
              title={lockLabel}
              // Not disabled while sent: a disabled button would drop the focus to the page.
              aria-disabled={locking || toggleHolding ? true : undefined}
              onClick={toggleLock}
            >
              {/* A narrower projector shows the first word ("Lock", "Unlock"): the
                  whole label stays the name screen readers and voice control use. */}
              {locked ? 'Unlock' : 'Lock'}
              <span className="lock-toggle-more"> joining</span>
            </button>
          )}
          {state.status !== 'finished' && state.status !== null && (
            <button
              type="button"
              ref={finishButton}
              className="button secondary"
              data-testid="host-finish"
              disabled={busy}
              onClick={() => setConfirming('finish')}
            >
              Finish quiz
            </button>
          )}
          {state.status === 'finished' && (
            <button type="button" className="button secondary" onClick={onNewSession}>
              Host another quiz
            </button>
          )}
        </div>
      </header>
      <p className="form-error" role="alert">
        {session.actionError ? describeError(session.actionError) : null}
        {session.actionError && session.removeError ? ' ' : null}
        {session.removeError}
      </p>
      {/* Shown while a removal is sent; after it, said to screen readers only
          (the name the host removed is not put back on the projector). */}
      <p
        className={removingPlayers.length > 0 ? 'removal-status' : 'visually-hidden'}
        role="status"
        data-testid="removal-status"
      >
        {removingPlayers.length > 0 ? (
          <>
            Removing{' '}
            {removingPlayers.map((player, position) => (
              <span key={player.user_id}>
                {position > 0 && ', '}
                <bdi>{player.display_name}</bdi>
              </span>
            ))}
            …
          </>
        ) : (
          announcement
        )}
      </p>
      <p className="visually-hidden" role="status" data-testid="lock-status">
        {lockAnnouncement}
      </p>
      <p className="visually-hidden" role="status" data-testid="settle-status">
        {collecting
          ? 'Collecting the last answers: the answer shows in a moment.'
          : primary && nudges > 0
            ? `One moment: ${primary.label} takes a press again in a second.`
            : ''}
      </p>

      {state.status === null && (
        <section className="stage" aria-busy="true">
          <p>Loading {sessionId}…</p>
        </section>
      )}

      {phase === 'lobby' && (
        <section
          className={`stage stage-lobby stage-lobby-${chipDensity(lobbyNames.length)}`}
          data-testid="lobby"
          aria-label="Lobby"
        >
          <div className={`lobby-join${locked ? ' is-locked' : ''}`}>
            {locked ? (
              // In place of "Join at …": the class sees the code no longer lets anyone in.
              <p className="lobby-join-at locked-note" data-testid="host-locked-note">
                Locked: nobody new can join
              </p>
            ) : (
              <p className="lobby-join-at">
                Join at <strong>{joinAt}</strong> with the quiz ID
              </p>
            )}
            <p
              className="mega-code"
              data-testid="host-session-id"
              aria-label={`Quiz ID ${sessionId.split('').join(' ')}`}
            >
              {sessionId}
            </p>
            <QrCode text={link} label={`QR code to join quiz ${sessionId}`} />
            {isThisComputerOnly(link) ? (
              // A loopback link is of no use to phones: say what to do instead.
              <p className="join-link link-warning" role="note" data-testid="host-link-local">
                Phones cannot open this computer's own address: serve with{' '}
                <code>make run ARGS=--lan</code> or set <code>QUIZ_PUBLIC_URL</code>.
              </p>
            ) : (
              <p className="muted join-link">
                or scan the code · <a href={link}>{link}</a>
              </p>
            )}
          </div>
          <div className="lobby-players">
            <h2 className="lobby-count" aria-live="polite">
              <strong data-testid="participant-count">{participants}</strong>{' '}
              {participants === 1 ? 'player' : 'players'}
            </h2>
            {state.participants.length === 0 ? (
              <p className="muted lobby-empty">Waiting for players to join…</p>
            ) : (
              <PlayerChips
                className={`chips-stage chips-${chipDensity(lobbyNames.length)}`}
                participants={lobbyNames}
                onRemove={isHost ? removeFromLobby : undefined}
                removing={removing}
                keepFocus={lobbyKeepsFocus}
                followNewest
              />
            )}
            {participants > MAX_NAMES && (
              <p className="muted">and {participants - MAX_NAMES} more</p>
            )}
          </div>
        </section>
      )}

      {live && phase === 'question' && (
        <section className="stage stage-question" aria-labelledby="host-q-title">
          <div className="stage-top">
            <p className="stage-meta" id="host-q-title">
              {question
                ? `Question ${question.index + 1}${state.questionCount ? ` of ${state.questionCount}` : ''}`
                : 'Starting…'}
            </p>
            {question && state.questionOpen && (
              <Countdown
                closesAt={question.closes_at}
                opensAt={question.opens_at}
                offsetMs={state.offsetMs}
                limitSeconds={question.seconds}
              />
            )}
            <p className="answer-count" aria-live="polite">
              <strong data-testid="host-answer-count" data-count={answered ?? ''}>
                {answered ?? '–'}
              </strong>
              <span>
                of {here} answered
              </span>
            </p>
          </div>
          {question && (
            <>
              <h1 className={promptClass(question.prompt)} data-testid="question-prompt">
                {question.prompt}
              </h1>
              {question.kind === 'choice' && question.choices ? (
                <ol
                  className={`stage-choices${question.choices.length > 4 ? ' stage-choices-many' : ''}`}
                  aria-label="Choices"
                >
                  {question.choices.map((choice, position, choices) => (
                    <li key={`${position}-${choice}`} className={`tile ${tileClass(choices, position)}`}>
                      <span className="choice-key" aria-hidden="true">
                        {choiceKey(position)}
                      </span>
                      <span className="tile-text">{choice}</span>
                      <span className="choice-shape" aria-hidden="true">
                        {tileShape(position)}
                      </span>
                    </li>
                  ))}
                </ol>
              ) : (
                <p className="stage-hint">Type your answer on your phone.</p>
              )}
            </>
          )}
        </section>
      )}

      {live && phase === 'reveal' && question && state.closed && (
        <section className="stage stage-reveal" aria-labelledby="host-r-title">
          <div className="stage-top">
            <p className="stage-meta" id="host-r-title">
              Question {question.index + 1}
              {state.questionCount ? ` of ${state.questionCount}` : ''} · answer
            </p>
            <p className="answer-count">
              <strong data-testid="host-answer-count" data-count={answered ?? ''}>
                {answered ?? '–'}
              </strong>
              <span data-testid="host-answered-of">of {answeredOf} answered</span>
            </p>
          </div>
          <h1 className={promptClass(question.prompt, true)} data-testid="question-prompt">
            {question.prompt}
          </h1>
          <div className="reveal-grid">
            <QuestionStatsView
              stats={state.closed}
              choices={question.choices ?? []}
              size="stage"
              responses={typed}
              responsesLimit={typedRows}
              responsesListRef={typedList}
              responsesControls={isHost ? typedControls : undefined}
            />
            <Leaderboard
              entries={state.entries}
              limit={boardRows}
              onRemove={isHost ? removeFromBoard : undefined}
              removing={removing}
              listRef={boardList}
            />
          </div>
        </section>
      )}

      {!live && state.status === 'running' && (
        <section className="stage stage-self-paced" aria-labelledby="host-sp-title">
          <div className="stage-top">
            <h2 id="host-sp-title">Self-paced</h2>
            <p className="stage-meta">
              <strong data-testid="participant-count">{participants}</strong>{' '}
              {participants === 1 ? 'player' : 'players'}
            </p>
          </div>
          <p className="self-paced-note">
            Players move through the questions at their own pace. Finish the quiz when everyone is
            done.
          </p>
          <div className="self-paced-grid">
            {/* A typed question's "Typed" opens what the class typed in the leaderboard's place. */}
            <SelfPacedProgress
              api={deps.api}
              quizId={state.quizId}
              answerCounts={state.answerCounts}
              participants={participants}
              progress={progress}
              sessionId={isHost ? sessionId : undefined}
              typedControls={isHost ? resultsTypedControls : undefined}
              aside={
                <Leaderboard
                  entries={state.entries}
                  onRemove={isHost ? removeFromBoard : undefined}
                  removing={removing}
                />
              }
            />
          </div>
        </section>
      )}

      {phase === 'finished' && (
        <div className="stage stage-finished">
          {results ? (
            <>
              <Podium standings={results.standings} size="stage" />
              <ResultsTable
                results={results}
                host
                loadResponses={loadResponses}
                typedControls={isHost ? resultsTypedControls : undefined}
              />
            </>
          ) : (
            <>
              <p className="muted" role="status">
                {session.resultsError
                  ? `Final results are not available yet: ${describeError(session.resultsError)}`
                  : 'Loading final results…'}
              </p>
              <Leaderboard title="Final standings" entries={state.finalEntries ?? state.entries} />
            </>
          )}
        </div>
      )}

      {confirming === 'start' && (
        <ConfirmDialog
          title="Nobody has joined yet. Start anyway?"
          confirmLabel="Start anyway"
          cancelLabel="Wait for players"
          onConfirm={startAnyway}
          onCancel={cancelConfirm}
          testId="start-dialog"
        >
          <p>
            {live ? 'Question 1 opens at once, with nobody to answer it. ' : ''}Players can still join
            once the quiz has started.
          </p>
        </ConfirmDialog>
      )}

      {playersOpen && (
        <PlayersDialog
          load={loadPlayers}
          count={participants}
          known={state.participants}
          removedIds={removedIds}
          entries={state.entries}
          removing={removing}
          onRemove={removeFromPlayers}
          onClose={closePlayers}
          covered={toRemove !== null}
        />
      )}

      {toRemove && (
        <ConfirmDialog
          title={
            <>
              Remove <bdi>{toRemove.participant.display_name}</bdi> from this quiz?
            </>
          }
          confirmLabel="Remove"
          cancelLabel="Cancel"
          onConfirm={confirmRemove}
          onCancel={cancelRemove}
          testId="remove-dialog"
        >
          <p>They will not be able to join again.</p>
        </ConfirmDialog>
      )}

      {confirming === 'finish' && (
        <ConfirmDialog
          title="Finish the quiz?"
          confirmLabel="Finish now"
          cancelLabel="Keep playing"
          onConfirm={finish}
          onCancel={cancelConfirm}
          testId="finish-dialog"
        >
          {state.status === 'lobby' ? (
            <p>The quiz has not started. Finishing ends it for everyone before the first question.</p>
          ) : (
            <p>
              This ends the quiz for everyone and shows the final results.
              {unplayed ? (
                <>
                  {' '}
                  {unplayed} {unplayed === 1 ? 'question' : 'questions'} will be marked as not
                  played.
                </>
              ) : null}
            </p>
          )}
          {selfPacedRunning && progress && (
            <p data-testid="finish-dialog-unfinished">{unfinishedNote(progress)}</p>
          )}
          {leader && leader.score > 0 && (
            <p className="muted" data-testid="finish-dialog-leader">
              {holdStandings && index ? `Leading after question ${index}` : 'Leading now'}:{' '}
              <bdi>{leader.display_name}</bdi> with {formatPoints(leader.score)}.
            </p>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
