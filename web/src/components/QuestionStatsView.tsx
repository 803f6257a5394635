import type { QuestionResponses, QuestionStats } from '../api';
import { formatPercent } from '../format';
import { tileClass } from '../palette';
import { choiceKey } from './QuestionCard';
import { TypedAnswers, type TypedAnswersControls } from './TypedAnswers';

/** A right answer longer than this takes smaller type (one line beside the chart's width). */
export const LONG_ANSWER = 20;

export interface QuestionStatsViewProps {
  stats: QuestionStats;
  choices: string[];
  /** Big type for the presenter screen. */
  size?: 'phone' | 'stage';
  /** (Host only) What the class typed, listed where a typed question has no chart. */
  responses?: QuestionResponses | null;
  /** Typed answers listed at most; the rest are summed. */
  responsesLimit?: number;
  /** Given the typed answers' list (the projector measures how many fit). */
  responsesListRef?: (list: HTMLUListElement | null) => void;
  /** (Host's reveal) Hiding typed words, and the list itself. */
  responsesControls?: TypedAnswersControls;
}

/**
 * The reveal: the correct answer and how the answers spread over the choices.
 *
 * Bars carry the same letters and colours as the answer buttons on the phones,
 * the correct one marked with a tick (not by colour alone). A typed question
 * has no chart: the host's screen lists what the class typed instead, and
 * one nobody answered says so ("0 answers · 0 % correct" over an empty space
 * read as a screen still loading).
 */
export function QuestionStatsView({
  stats,
  choices,
  size = 'phone',
  responses,
  responsesLimit,
  responsesListRef,
  responsesControls,
}: QuestionStatsViewProps) {
  const counts = stats.choice_counts ?? {};
  const labels = choices.length ? choices : Object.keys(counts).slice(0, 8);
  const most = Math.max(1, ...labels.map((choice) => counts[choice] ?? 0));
  const answers = stats.answer_count;
  const nobody = labels.length === 0 && answers === 0;
  return (
    <div className={`stats stats-${size}`} data-testid="question-stats">
      <p className={`stats-answer${(stats.correct_answer ?? '').length > LONG_ANSWER ? ' stats-answer-long' : ''}`}>
        <span className="stats-answer-label">Answer</span>{' '}
        <strong data-testid="host-correct-answer">{stats.correct_answer ?? '–'}</strong>
      </p>
      {nobody ? (
        <p className="stats-summary stats-nobody" data-testid="nobody-answered">
          Nobody answered.
        </p>
      ) : (
        <p className="stats-summary">
          {answers !== null && (
            <>
              {answers} {answers === 1 ? 'answer' : 'answers'} ·{' '}
            </>
          )}
          {formatPercent(stats.correct_share)} correct
        </p>
      )}
      {labels.length > 0 && (
        <ul className="bars" aria-label="Answers per choice" data-testid="answer-chart">
          {labels.map((choice, index) => {
            const count = counts[choice] ?? 0;
            const correct = choice === stats.correct_answer;
            return (
              <li
                key={`${index}-${choice}`}
                className={`bar ${tileClass(labels, index, 'bar')}${correct ? ' is-correct' : ''}`}
                data-testid="answer-chart-bar"
                data-count={count}
                data-correct={String(correct)}
              >
                <span className="bar-key" aria-hidden="true">
                  {choices.length ? choiceKey(index) : ''}
                  {correct ? ' ✓' : ''}
                </span>
                <span className="bar-label">
                  {choice}
                  {correct && <span className="visually-hidden"> (correct answer)</span>}
                </span>
                <span className="bar-track" aria-hidden="true">
                  <span className="bar-fill" style={{ width: `${(count / most) * 100}%` }} />
                </span>
                <span className="bar-count">{count}</span>
              </li>
            );
          })}
        </ul>
      )}
      {labels.length === 0 && !nobody && responses && (
        <TypedAnswers
          responses={responses}
          limit={responsesLimit}
          listRef={responsesListRef}
          controls={responsesControls}
        />
      )}
    </div>
  );
}
