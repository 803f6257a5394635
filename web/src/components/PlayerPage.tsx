import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type Question } from '../api';
import { describeError, formatPoints, formatRank, formatScore, isLockedOut } from '../format';
import { answeredOnServer, phaseOf, submissionFor } from '../state';
import { recallSeenOpen, rememberSeenOpen } from '../seenOpen';
import { recallTypedDraft, rememberTypedDraft } from '../typedDraft';
import { useSession, type SessionDeps } from '../useSession';
import { AnswerFeedback } from './AnswerFeedback';
import { ConnectionStatus } from './ConnectionStatus';
import { remainingMs } from './Countdown';
import { Leaderboard } from './Leaderboard';
import { Lobby } from './Lobby';
import { Podium } from './Podium';
import { QuestionCard } from './QuestionCard';
import { QuestionStatsView } from './QuestionStatsView';
import { ResultsTable } from './ResultsTable';

export interface PlayerPageProps {
  sessionId: string;
  deps: SessionDeps;
  onLeave: () => void;
  /** Back to the join form with this quiz ID kept (after a join error). */
  onBack?: () => void;
  onUnauthorized: () => void;
  /** The name the session knows this player by ("Ana 2" when another Ana was there first). */
  onName?: (name: string | null) => void;
  /** Told once the join went through (the browser remembers the quiz, to come back to it). */
  onJoined?: (sessionId: string, userId: string) => void;
  /**
   * Told when the host locked the quiz before this player joined (409
   * `session_locked`): back to the join form, which says so and joins by
   * itself once the teacher lets them in (or on Join).
   */
  onLocked?: (sessionId: string) => void;
}

/**
 * The end for a player the host removed: said calmly, with the way back to
 * the start. No question, score or standing of the quiz shows any more.
 */
export function RemovedNotice({ onLeave }: { onLeave: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // The whole screen changed under them: screen readers and keyboards start here.
  useEffect(() => heading.current?.focus(), []);
  return (
    <section
      className="card center removed-notice"
      role="status"
      aria-labelledby="removed-title"
      data-testid="player-removed"
    >
      <h1 id="removed-title" ref={heading} tabIndex={-1}>
        The host removed you from this quiz.
      </h1>
      <p className="muted">You can join another quiz with its quiz ID.</p>
      <button type="button" className="button primary" onClick={onLeave} data-testid="removed-leave">
        Join another quiz
      </button>
    </section>
  );
}

/** A player's view of one session, from the lobby to the podium. */
export function PlayerPage({
  sessionId,
  deps,
  onLeave,
  onBack,
  onUnauthorized,
  onName,
  onJoined,
  onLocked,
}: PlayerPageProps) {
  const session = useSession(sessionId, 'player', deps);
  const { state, participation, fatal, results } = session;
  const myName = participation?.display_name ?? null;
  const joinedAs = participation?.user_id ?? null;

  useEffect(() => {
    if (joinedAs) onJoined?.(sessionId, joinedAs);
  }, [joinedAs, onJoined, sessionId]);

  useEffect(() => {
    onName?.(myName);
    return () => onName?.(null);
  }, [myName, onName]);
  // Questions whose time ran out on this screen (self-paced has no close event).
  const [expired, setExpired] = useState<Record<string, boolean>>({});
  // Live questions this screen showed open: one first seen at its reveal (a
  // player joining then) was never theirs to answer.
  const [seenOpen, setSeenOpen] = useState<Record<string, boolean>>({});
  // The score and rank shown stay the last reveal's while a live question is
  // open: no standing moves on a phone before the class sees the answer (the
  // answer's own points show on its result).
  const [revealed, setRevealed] = useState<{ score: number; rank: number | null | undefined } | null>(
    null,
  );
  // What is typed in the answer box, not sent yet: sent as the answer when
  // the time runs out, said if it did not count. Kept in the tab's storage
  // too, for a reload mid-question.
  const [draft, setDraft] = useState<{ questionId: string; text: string } | null>(null);
  const onDraft = useCallback(
    (questionId: string, text: string) => {
      setDraft({ questionId, text });
      if (joinedAs) rememberTypedDraft(sessionId, joinedAs, questionId, text);
    },
    [sessionId, joinedAs],
  );
  // Typed questions whose box went as the answer when their time ran out.
  const [autoSent, setAutoSent] = useState<Record<string, boolean>>({});

  useEffect(() => {
    if (fatal instanceof ApiError && fatal.status === 401) onUnauthorized();
  }, [fatal, onUnauthorized]);

  // Not an error to dwell on: the join form says the quiz is locked and tries again.
  const lockedOut = isLockedOut(fatal) && onLocked !== undefined;
  useEffect(() => {
    if (lockedOut) onLocked?.(sessionId);
  }, [lockedOut, onLocked, sessionId]);

  const question = state.question;
  // The quiz's last question: what comes after it is the results, not another one.
  const lastQuestion = Boolean(question && state.questionCount && question.index + 1 >= state.questionCount);
  const questionId = question?.question_id;
  const submission = submissionFor(state, questionId);
  const timedOut = questionId ? Boolean(expired[questionId]) : false;
  // Answered before this page loaded (a reload): the server has it, this tab may not.
  const answeredEarlier = answeredOnServer(state, questionId);
  const receivedOnly = answeredEarlier && (!submission || submission.state === 'rejected');
  const canAnswer =
    question !== null &&
    state.questionOpen &&
    !timedOut &&
    state.status === 'running' &&
    !answeredEarlier &&
    (!submission || submission.state === 'rejected') &&
    !(submission?.error && ['already_answered', 'question_closed'].includes(submission.error.code));

  const submit = session.submit;
  const onAnswer = useCallback(
    (answer: string) => {
      if (question) submit(question as Question, answer);
    },
    [question, submit],
  );

  // A reload mid-question: what was typed for the open question goes back in
  // its box (once per question, while its time is not up). Read as the
  // question comes, before the box shows.
  const [restored, setRestored] = useState<{ questionId: string; text: string } | null>(null);
  const typedQuestion = question !== null && question.kind !== 'choice';
  const restorable =
    typedQuestion &&
    canAnswer &&
    joinedAs !== null &&
    questionId !== undefined &&
    (!question.closes_at || remainingMs(question.closes_at, state.offsetMs, Date.now()) > 0);
  if (restorable && restored?.questionId !== questionId) {
    const text = recallTypedDraft(sessionId, joinedAs, questionId) ?? '';
    setRestored({ questionId, text });
    if (text) setDraft({ questionId, text });
  }
  const initialText = restored !== null && restored.questionId === questionId ? restored.text : '';
  // Forgotten once sent (or the server has an answer) or once the question is over.
  const draftDone =
    questionId !== undefined &&
    (!state.questionOpen ||
      timedOut ||
      answeredEarlier ||
      state.status === 'finished' ||
      (submission !== null && submission.state !== 'rejected'));
  useEffect(() => {
    if (draftDone && joinedAs && questionId) rememberTypedDraft(sessionId, joinedAs, questionId, null);
  }, [draftDone, joinedAs, questionId, sessionId]);

  const { timeUp } = session;
  const draftRef = useRef(draft);
  draftRef.current = draft;
  const canAnswerRef = useRef(canAnswer);
  canAnswerRef.current = canAnswer;
  const onExpire = useCallback(() => {
    if (!questionId) return;
    setExpired((known) => ({ ...known, [questionId]: true }));
    // What is in the box is the learner's answer: it goes when this phone's
    // countdown reaches 0, once, by Submit's own path (its submission id, kept
    // before it is sent). The server takes it within its grace for the trip,
    // and says whether it was in time. An Enter pressed just then finds it sent.
    const typedNow = draftRef.current?.questionId === questionId ? draftRef.current.text.trim() : '';
    const sent =
      typedNow !== '' &&
      question !== null &&
      question.kind !== 'choice' &&
      canAnswerRef.current &&
      submit(question as Question, typedNow);
    if (sent) setAutoSent((known) => ({ ...known, [questionId]: true }));
    timeUp(questionId, sent);
  }, [questionId, question, submit, timeUp]);

  const liveQuestionOpen =
    state.mode !== 'self_paced' && state.status === 'running' && phaseOf(state) === 'question';
  useEffect(() => {
    if (questionId && liveQuestionOpen && state.questionOpen) {
      setSeenOpen((known) => (known[questionId] ? known : { ...known, [questionId]: true }));
      if (joinedAs) rememberSeenOpen(sessionId, joinedAs, questionId);
    }
  }, [questionId, liveQuestionOpen, state.questionOpen, joinedAs, sessionId]);
  // A player first seeing this question at its reveal joined just now, unless
  // they were in before (a reload during the reveal): this tab showed it open
  // (remembered through a reload), they answered earlier questions, have
  // points, or typed a draft for it.
  const revealedId = state.mode !== 'self_paced' && !state.questionOpen ? questionId : undefined;
  const returning =
    revealedId !== undefined &&
    (Boolean(seenOpen[revealedId]) ||
      state.serverAnswered.length > 0 ||
      Object.keys(state.answered).length > 0 ||
      (state.me?.score ?? participation?.score ?? 0) > 0 ||
      (joinedAs !== null &&
        (recallSeenOpen(sessionId, joinedAs).includes(revealedId) ||
          Boolean(recallTypedDraft(sessionId, joinedAs, revealedId)))));
  const rankNow = state.me?.rank ?? participation?.rank;
  const scoreNow = state.me?.score ?? participation?.score ?? 0;
  // Kept from a known screen only: not before the session's state is in.
  const stateKnown = state.status !== null;
  useEffect(() => {
    if (stateKnown && !liveQuestionOpen) setRevealed({ score: scoreNow, rank: rankNow });
  }, [stateKnown, liveQuestionOpen, rankNow, scoreNow]);
  // A page that saw no reveal yet (reloaded, or joined while the question is
  // open) shows the score before this question, and no rank until the reveal.
  const ownResult = submission?.result ?? null;
  // An answer this page is sending has not moved the score yet; one the
  // server had before the page loaded, with no result here, may have.
  const beforeThisQuestion = ownResult
    ? { score: ownResult.score - ownResult.points, rank: null }
    : { score: answeredEarlier ? null : scoreNow, rank: null };
  const shown = !liveQuestionOpen
    ? { score: scoreNow, rank: rankNow }
    : (revealed ?? beforeThisQuestion);

  if (session.removed) return <RemovedNotice onLeave={onLeave} />;

  if (lockedOut) {
    // The join form takes over at once: no error flashes in between.
    return (
      <section className="card" aria-busy="true">
        <p>Joining {sessionId}…</p>
      </section>
    );
  }

  if (fatal) {
    return (
      <section className="card" role="alert" data-testid="player-error">
        <h1>Could not join {sessionId}</h1>
        <p>{describeError(fatal)}</p>
        <button type="button" className="button secondary" onClick={onBack ?? onLeave}>
          Back
        </button>
      </section>
    );
  }

  const myUserId = participation?.user_id ?? null;
  const closedAnswer = state.closed?.correct_answer ?? null;
  const answeredOrOver =
    Boolean(submission && submission.state !== 'rejected') ||
    answeredEarlier ||
    timedOut ||
    !state.questionOpen;
  const missed = Boolean(
    question && !submission && !answeredEarlier && (timedOut || (!state.questionOpen && state.closed)),
  );
  const finished = state.status === 'finished';
  // The host showed the answer with time still left (a second's slack for
  // a question closed by its own deadline).
  const closedAt = Date.parse(state.closed?.closed_at ?? '');
  const closedEarly =
    !timedOut && question?.closes_at ? closedAt < Date.parse(question.closes_at) - 1000 : false;
  // A tap that lands as the host ends the quiz is refused: say so on the
  // results rather than let the answer vanish.
  const lateAtFinish =
    finished &&
    submission?.state === 'rejected' &&
    ['session_finished', 'question_closed'].includes(submission.error?.code ?? '');
  // Typed and never counted, said with the typed text on the reveal (or the
  // self-paced result): not sent before the question closed (the host showed
  // the answer first), or sent as the time ran out and refused as too late.
  const draftText = draft !== null && draft.questionId === questionId ? draft.text.trim() : '';
  const refusedLate = submission?.state === 'rejected' && submission.error?.code === 'question_closed';
  const notSent =
    typedQuestion && !answeredEarlier && (!state.questionOpen || timedOut)
      ? refusedLate
        ? (submission?.answer ?? null)
        : !submission && draftText !== ''
          ? draftText
          : null
      : null;
  const shownSubmission = receivedOnly || notSent !== null ? null : submission;
  const sentAtZero = questionId !== undefined && Boolean(autoSent[questionId]);
  // Typed on the question on screen when the quiz ended, and never sent.
  const unsentDraft =
    finished &&
    draft !== null &&
    draft.questionId === questionId &&
    draft.text.trim() !== '' &&
    !submission &&
    !answeredEarlier
      ? draft.text.trim()
      : null;
  const phase = phaseOf(state);
  const live = state.mode !== 'self_paced';
  // Live play: once answered, the result takes over the phone's screen.
  const showResult =
    live &&
    phase === 'question' &&
    state.questionOpen &&
    ((submission !== null && submission.state !== 'rejected') || receivedOnly);

  return (
    <div className="play">
      {/* Screen readers hear each question as it opens, not only its countdown. */}
      <p className="visually-hidden" aria-live="polite" data-testid="question-announcement">
        {question && state.questionOpen && state.status === 'running'
          ? `Question ${question.index + 1}${state.questionCount ? ` of ${state.questionCount}` : ''}: ${question.prompt}`
          : ''}
      </p>
      <div className="scorebar card" role="group" aria-label="Your standing">
        <div className="scorebar-title">
          <span className="muted">Quiz {sessionId}</span>
          {/* Cut at the end of the name's own direction (the first name of an
              Arabic name stays in sight): `dir="auto"` on the element that cuts it. */}
          <strong data-testid="my-name" dir="auto">
            {myName ?? ' '}
          </strong>
        </div>
        <div className="stat">
          <span className="stat-label">Score</span>
          <strong className="stat-value" data-testid="my-score">
            {formatScore(shown.score)}
          </strong>
        </div>
        <div className="stat">
          <span className="stat-label">Rank</span>
          <strong className="stat-value" data-testid="my-rank">
            {formatRank(shown.rank)}
          </strong>
        </div>
        {/* Once finished nothing live is left to follow: no "● Live" over the
            results (as on the host's screen). */}
        {/* Self-paced, "Live" would read as the other mode: the channel is "Open",
            as on the host's screen. */}
        {state.status !== 'finished' && (
          <ConnectionStatus
            status={session.connection}
            onRetry={session.reconnect}
            openLabel={state.mode === 'self_paced' ? 'Open' : undefined}
          />
        )}
      </div>

      {state.hostAway && state.status !== 'finished' && (
        <p className="banner" role="status" data-testid="host-away">
          The host has left. The quiz goes on when they are back.
        </p>
      )}

      {state.status === null && (
        <section className="card" aria-busy="true">
          <p>Joining {sessionId}…</p>
        </section>
      )}

      {state.status === 'lobby' && (
        <Lobby
          heading={
            myName ? (
              <>
                You're in, <bdi>{myName}</bdi>!
              </>
            ) : (
              "You're in!"
            )
          }
          note={
            state.mode === 'self_paced'
              ? 'Waiting for the host to start. You will then answer at your own pace.'
              : 'Waiting for the host to start the quiz…'
          }
          participantCount={state.participantCount}
          participants={state.participants}
          myUserId={myUserId}
        />
      )}

      {state.status === 'running' && live && phase === 'question' && (
        <>
          {question && showResult ? (
            <AnswerFeedback
              typed={question?.kind === 'text'}
              submission={receivedOnly ? null : submission}
              streak={state.streak}
              missed={false}
              received={receivedOnly}
              autoSent={sentAtZero}
              takeover
            />
          ) : question ? (
            <>
              <QuestionCard
                question={question}
                questionCount={state.questionCount}
                offsetMs={state.offsetMs}
                canAnswer={canAnswer}
                chosen={submission?.answer ?? null}
                correctAnswer={null}
                open={state.questionOpen && !timedOut}
                onAnswer={onAnswer}
                onExpire={onExpire}
                onDraft={onDraft}
                initialText={initialText}
              />
              <AnswerFeedback
                typed={question?.kind === 'text'}
                submission={shownSubmission}
                streak={state.streak}
                missed={missed || notSent !== null}
                received={receivedOnly}
                autoSent={sentAtZero}
                notSent={notSent}
                notSentLate={refusedLate}
              />
            </>
          ) : (
            <section className="card center">
              <p>
                {state.questionIndex === null
                  ? 'Get ready: the first question is on its way…'
                  : 'Waiting for the next question…'}
              </p>
            </section>
          )}
        </>
      )}

      {state.status === 'running' && live && phase === 'reveal' && question && (
        <>
          {!submission && !answeredEarlier && !returning ? (
            <section className="card center" data-testid="joined-at-reveal">
              {/* After the last question there is no next one to promise: the results come. */}
              <p>
                <strong>You're in!</strong>{' '}
                {lastQuestion
                  ? 'The quiz is about to end: the results come next.'
                  : 'This question was over before you joined: the next one is yours.'}
              </p>
            </section>
          ) : (
            <AnswerFeedback
              typed={question?.kind === 'text'}
              submission={shownSubmission}
              streak={state.streak}
              missed={missed || (!submission && !answeredEarlier) || notSent !== null}
              closedEarly={closedEarly}
              received={receivedOnly}
              autoSent={sentAtZero}
              notSent={notSent}
              notSentLate={refusedLate}
              takeover
              revealed
              rank={state.me?.rank ?? null}
              score={state.me?.score ?? null}
              correctAnswer={closedAnswer}
            />
          )}
          <section className="card reveal-card" aria-label="Answers">
            <p className="question-meta">
              Question {question.index + 1}
              {state.questionCount ? ` of ${state.questionCount}` : ''}
            </p>
            <h2 className="question-prompt reveal-prompt" data-testid="question-prompt">
              {question.prompt}
            </h2>
            {state.closed && (
              <QuestionStatsView stats={state.closed} choices={question.choices ?? []} />
            )}
            <p className="muted center" data-testid="reveal-next">
              {lastQuestion ? 'That was the last question: the results come next.' : 'Waiting for the next question…'}
            </p>
          </section>
          <Leaderboard
            entries={state.entries}
            me={state.me}
            myUserId={myUserId}
            myName={myName}
          />
        </>
      )}

      {state.status === 'running' && !live && (
        <>
          {session.ranOutAway !== null && (
            <p className="away-note" role="status" data-testid="ran-out-away">
              Question {session.ranOutAway + 1} ran out while you were away.
            </p>
          )}
          {question && !state.noQuestionLeft ? (
            <>
              <QuestionCard
                question={question}
                questionCount={state.questionCount}
                offsetMs={state.offsetMs}
                canAnswer={canAnswer}
                chosen={submission?.answer ?? null}
                // Homework with the answers shown: the right choice stands out
                // among the faded ones (a typed one is said under "Not quite").
                correctAnswer={
                  closedAnswer ??
                  (question.kind === 'choice' ? (session.rightAnswers[question.question_id] ?? null) : null)
                }
                open={
                  state.questionOpen &&
                  !timedOut &&
                  // Self-paced: the clock is this player's alone; it stops once answered.
                  !((submission && submission.state !== 'rejected') || answeredEarlier)
                }
                onAnswer={onAnswer}
                onExpire={onExpire}
                onDraft={onDraft}
                initialText={initialText}
              />
              {/* Side by side on a small phone, so "Next question" stays on the first screen. */}
              <div className="after-answer">
                <AnswerFeedback
                  typed={question?.kind === 'text'}
                  submission={shownSubmission}
                  streak={state.streak}
                  missed={missed || notSent !== null}
                  received={receivedOnly}
                  autoSent={sentAtZero}
                  notSent={notSent}
                  notSentLate={refusedLate}
                  rightAnswer={session.rightAnswers[question.question_id] ?? null}
                />
                {answeredOrOver && submission?.state !== 'sending' && (
                  <button
                    type="button"
                    className="button primary wide"
                    data-testid="next-question"
                    onClick={session.nextSelfPaced}
                  >
                    {lastQuestion ? 'Finish my quiz' : 'Next question'}
                  </button>
                )}
              </div>
            </>
          ) : (
            <section className="card center">
              {state.noQuestionLeft ? (
                // True whether the questions were answered or left to time out.
                <p data-testid="all-answered">
                  You have reached the end of the quiz. The results come when the host finishes the
                  quiz.
                </p>
              ) : (
                <p>Get ready: the first question is on its way…</p>
              )}
            </section>
          )}
          <Leaderboard
            entries={state.entries}
            me={state.me}
            myUserId={myUserId}
            myName={myName}
          />
        </>
      )}

      {state.status === 'running' && session.actionError && (
        <p className="form-error" role="alert">
          {describeError(session.actionError)}
        </p>
      )}

      {finished && (
        <>
          <section className="card center" aria-labelledby="over-title">
            <h1 id="over-title">Quiz over</h1>
            {state.me?.rank ? (
              <p className="big-result">
                You finished <strong>#{state.me.rank}</strong> with{' '}
                <strong>{formatPoints(state.me.score)}</strong>.
              </p>
            ) : null}
            {lateAtFinish && (
              <p className="muted" role="status" data-testid="answer-after-finish">
                Your last answer reached the server after the quiz had ended, so it did not count.
              </p>
            )}
            {unsentDraft && (
              <p className="muted" role="status" data-testid="draft-not-sent">
                You typed “<bdi>{unsentDraft}</bdi>” but it was not sent before the quiz ended, so it
                did not count.
              </p>
            )}
          </section>
          {results ? (
            <>
              <Podium standings={results.standings} myUserId={myUserId} total={results.participant_count ?? null} />
              <ResultsTable results={results} myUserId={myUserId} />
            </>
          ) : (
            <>
              {session.resultsError && (
                <p className="muted" role="status">
                  Final results are not available yet: {describeError(session.resultsError)}
                </p>
              )}
              <Leaderboard
                title="Final standings"
                entries={state.finalEntries ?? state.entries}
                me={state.me}
                myUserId={myUserId}
                myName={myName}
              />
            </>
          )}
          <button type="button" className="button secondary" onClick={onLeave}>
            Join another quiz
          </button>
        </>
      )}
    </div>
  );
}
