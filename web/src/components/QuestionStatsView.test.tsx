import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { QuestionStats } from '../api';
import { typedResponses } from '../test/fixtures';
import { QuestionStatsView } from './QuestionStatsView';

const stats = (answer: string): QuestionStats => ({
  question_id: 'q1',
  index: 0,
  prompt: null,
  correct_answer: answer,
  answer_count: 3,
  correct_count: 2,
  correct_share: 2 / 3,
  choice_counts: { [answer]: 2, whisk: 1 },
  played: true,
});

describe('QuestionStatsView', () => {
  it('gives a long right answer smaller type, to keep the chart on the screen', () => {
    const { unmount } = render(
      <QuestionStatsView stats={stats('a vegetable peeler with a swivel blade')} choices={[]} size="stage" />,
    );
    expect(screen.getByTestId('host-correct-answer').parentElement).toHaveClass('stats-answer', 'stats-answer-long');
    unmount();
    render(<QuestionStatsView stats={stats('a peeler')} choices={[]} size="stage" />);
    expect(screen.getByTestId('host-correct-answer').parentElement).not.toHaveClass('stats-answer-long');
  });

  it("lists what the class typed where a typed question has no chart, never beside a choice question's", () => {
    const typed = typedResponses({
      question_id: 'q1',
      index: 0,
      responses: [
        { answer: 'whisk', count: 2, correct: true },
        { answer: 'wisk', count: 1, correct: false },
      ],
    });
    const text = { ...stats('whisk'), choice_counts: null };
    const { unmount } = render(<QuestionStatsView stats={text} choices={[]} size="stage" responses={typed} />);
    expect(screen.getAllByTestId('typed-answer')).toHaveLength(2);
    expect(screen.queryByTestId('answer-chart')).toBeNull();
    unmount();
    render(<QuestionStatsView stats={stats('whisk')} choices={['whisk', 'ladle']} size="stage" responses={typed} />);
    expect(screen.getAllByTestId('answer-chart-bar')).toHaveLength(2);
    expect(screen.queryByTestId('typed-answers')).toBeNull();
  });

  it('says "Nobody answered" for a typed question nobody answered, not "0 answers · 0 % correct" over a blank', () => {
    const nobody: QuestionStats = {
      ...stats('whisk'),
      choice_counts: null,
      answer_count: 0,
      correct_count: 0,
      correct_share: 0,
    };
    const empty = typedResponses({ question_id: 'q1', index: 0, responses: [], other_count: 0 });
    render(<QuestionStatsView stats={nobody} choices={[]} size="stage" responses={empty} />);
    const view = screen.getByTestId('question-stats');
    expect(screen.getByTestId('nobody-answered')).toHaveTextContent('Nobody answered.');
    expect(view).not.toHaveTextContent('0 answers');
    expect(view).not.toHaveTextContent('correct');
    expect(screen.getByTestId('host-correct-answer')).toHaveTextContent('whisk');
  });

  it('keeps the chart of a choice question nobody answered', () => {
    const nobody: QuestionStats = { ...stats('whisk'), answer_count: 0, correct_count: 0, correct_share: 0, choice_counts: {} };
    render(<QuestionStatsView stats={nobody} choices={['whisk', 'spoon']} />);
    expect(screen.getAllByTestId('answer-chart-bar')).toHaveLength(2);
    expect(screen.queryByTestId('nobody-answered')).toBeNull();
  });
});
