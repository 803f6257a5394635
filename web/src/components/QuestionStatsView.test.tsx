import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { QuestionStats } from '../api';
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
});
