import { useEffect } from 'react';
import { ApiError } from '../api';
import { describeError } from '../format';
import { joinUrl } from '../joinCode';
import { useSession, type SessionDeps } from '../useSession';
import { ConnectionStatus } from './ConnectionStatus';
import { Countdown } from './Countdown';
import { Leaderboard } from './Leaderboard';
import { Lobby } from './Lobby';
import { Podium } from './Podium';
import { QrCode } from './QrCode';
import { QuestionStatsView } from './QuestionStatsView';
import { ResultsTable } from './ResultsTable';

export interface HostPanelProps {
  sessionId: string;
  deps: SessionDeps;
  origin: string;
  pathname: string;
  onNewSession: () => void;
  onUnauthorized: () => void;
}

/** The host's control room: join code, players, questions, results. */
export function HostPanel({
  sessionId,
  deps,
  origin,
  pathname,
  onNewSession,
  onUnauthorized,
}: HostPanelProps) {
  const session = useSession(sessionId, 'host', deps);
  const { state, fatal, results, busy } = session;
  const link = joinUrl(origin, pathname, sessionId);

  useEffect(() => {
    if (fatal instanceof ApiError && fatal.status === 401) onUnauthorized();
  }, [fatal, onUnauthorized]);

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

  const { status, mode, question } = state;
  const live = mode === 'live';
  const index = state.questionIndex;
  const isLast =
    state.questionCount !== null && index !== null && index + 1 >= state.questionCount;
  const participants = state.participantCount ?? state.participants.length;

  return (
    <div className="host">
      <section className="card join-info" aria-labelledby="join-info-title">
        <div className="join-code-block">
          <h1 id="join-info-title" className="muted small-heading">
            Quiz ID
          </h1>
          <p className="join-code" data-testid="host-session-id" aria-label={`Quiz ID ${sessionId.split('').join(' ')}`}>
            {sessionId}
          </p>
          {status !== 'finished' && (
            <p className="join-link">
              Join at <a href={link}>{link}</a>
            </p>
          )}
          <p className="muted">
            {state.title ?? ''}
            {mode ? ` · ${live ? 'Live' : 'Self-paced'}` : ''}
            {status ? ` · ${status}` : ''}
          </p>
          <ConnectionStatus status={session.connection} onRetry={session.reconnect} />
        </div>
        {status !== 'finished' && (
          <QrCode text={link} label={`QR code to join quiz ${sessionId}`} />
        )}
      </section>

      <section className="card controls" aria-label="Quiz controls">
        {status === 'lobby' && (
          <button
            type="button"
            className="button primary"
            data-testid="host-start"
            disabled={busy}
            onClick={() => session.hostAction('start')}
          >
            Start quiz
          </button>
        )}
        {status === 'running' && live && (
          <button
            type="button"
            className="button primary"
            data-testid="host-next"
            disabled={busy}
            onClick={() => session.hostAction('next')}
          >
            {isLast ? (state.questionOpen ? 'Close question and finish' : 'Show results') : 'Next question'}
          </button>
        )}
        {status !== 'finished' && status !== null && (
          <button
            type="button"
            className="button secondary"
            data-testid="host-finish"
            disabled={busy}
            onClick={() => session.hostAction('finish')}
          >
            Finish quiz
          </button>
        )}
        {status === 'finished' && (
          <button type="button" className="button secondary" onClick={onNewSession}>
            Host another quiz
          </button>
        )}
        <p className="form-error" role="alert">
          {session.actionError ? describeError(session.actionError) : null}
        </p>
      </section>

      {status === 'lobby' && (
        <Lobby
          heading="Players"
          note="Share the quiz ID or the QR code. Start when everyone is in."
          participantCount={state.participantCount}
          participants={state.participants}
        />
      )}

      {status === 'running' && live && (
        <section className="card question host-question" aria-labelledby="host-q-title">
          <div className="question-head">
            <p className="question-meta" id="host-q-title">
              {question
                ? `Question ${question.index + 1}${state.questionCount ? ` of ${state.questionCount}` : ''}`
                : 'Starting…'}
            </p>
            {question && state.questionOpen && (
              <Countdown
                closesAt={question.closes_at}
                opensAt={question.opens_at}
                offsetMs={state.offsetMs}
              />
            )}
          </div>
          {question && (
            <>
              <h2 className="question-prompt" data-testid="question-prompt">
                {question.prompt}
              </h2>
              {question.kind === 'choice' && question.choices && (
                <ol className="host-choices">
                  {question.choices.map((choice) => (
                    <li
                      key={choice}
                      className={state.closed?.correct_answer === choice ? 'is-correct' : undefined}
                    >
                      {choice}
                    </li>
                  ))}
                </ol>
              )}
              <p className="answer-count" aria-live="polite">
                <strong data-testid="host-answer-count" data-count={state.answerCount ?? ''}>
                  {state.answerCount ?? '–'}
                </strong>{' '}
                of {participants} {participants === 1 ? 'player' : 'players'} answered
              </p>
              {state.closed && (
                <QuestionStatsView stats={state.closed} choices={question.choices ?? []} />
              )}
            </>
          )}
        </section>
      )}

      {status === 'running' && !live && (
        <section className="card">
          <h2>Self-paced</h2>
          <p>
            Players move through the questions at their own pace. Finish the quiz when everyone is
            done.
          </p>
          <p>
            <strong data-testid="participant-count">{participants}</strong> players
          </p>
        </section>
      )}

      {status === 'running' && <Leaderboard entries={state.entries} />}

      {status === 'finished' && (
        <>
          {results ? (
            <>
              <Podium standings={results.standings} />
              <ResultsTable results={results} />
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
        </>
      )}
    </div>
  );
}
