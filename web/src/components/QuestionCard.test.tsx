import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Question, ScoredAnswer } from '../api';
import type { Submission } from '../state';
import { AnswerFeedback } from './AnswerFeedback';
import { QuestionCard } from './QuestionCard';

const choice: Question = {
  question_id: 'q1',
  index: 0,
  prompt: "Choose the synonym of 'begin'",
  kind: 'choice',
  choices: ['start', 'finish', 'stay', 'hold'],
  opens_at: null,
  closes_at: null,
};

const text: Question = { ...choice, question_id: 'q2', kind: 'text', choices: null, prompt: 'bonjour?' };

function card(question: Question, props: Partial<Parameters<typeof QuestionCard>[0]> = {}) {
  const onAnswer = vi.fn();
  render(
    <QuestionCard
      question={question}
      questionCount={3}
      offsetMs={0}
      canAnswer
      chosen={null}
      correctAnswer={null}
      open
      onAnswer={onAnswer}
      {...props}
    />,
  );
  return onAnswer;
}

describe('QuestionCard', () => {
  it('answers with a tap on a choice button', async () => {
    const onAnswer = card(choice);
    expect(screen.getByTestId('question-prompt')).toHaveTextContent("Choose the synonym of 'begin'");
    await userEvent.click(screen.getByTestId('choice-1'));
    expect(onAnswer).toHaveBeenCalledWith('finish');
  });

  it('colours each choice apart', () => {
    card(choice);
    expect(screen.getByTestId('choice-0')).toHaveClass('choice-0');
    expect(screen.getByTestId('choice-1')).toHaveClass('choice-1');
  });

  it('gives six choices six tiles apart, by colour and by shape', () => {
    card({ ...choice, choices: ['start', 'finish', 'stay', 'hold', 'leave', 'wait'] });
    const tiles = [0, 1, 2, 3, 4, 5].map((index) => screen.getByTestId(`choice-${index}`));
    tiles.forEach((tile, index) => expect(tile).toHaveClass(`choice-${index}`));
    const shapes = tiles.map((tile) => tile.querySelector('.choice-shape')?.textContent);
    expect(new Set(shapes).size).toBe(6);
    // The shape is decoration: the name of the tile is its letter's answer.
    expect(tiles[4]).toHaveAccessibleName('leave');
  });

  it('shows colour words on plain tiles', () => {
    card({ ...choice, choices: ['blue', 'green', 'red', 'yellow'] });
    for (const index of [0, 1, 2, 3]) {
      expect(screen.getByTestId(`choice-${index}`)).toHaveClass('choice-plain');
    }
  });

  it('answers with number keys', async () => {
    const onAnswer = card(choice);
    await userEvent.keyboard('3');
    expect(onAnswer).toHaveBeenCalledWith('stay');
  });

  it('locks the choices once answered and marks the correct one after closing', () => {
    card(choice, { canAnswer: false, chosen: 'finish', correctAnswer: 'start', open: false });
    expect(screen.getByTestId('choice-0')).toBeDisabled();
    expect(screen.getByTestId('choice-0')).toHaveClass('is-correct');
    expect(screen.getByTestId('choice-1')).toHaveClass('is-wrong');
    expect(screen.getByTestId('choice-1')).toHaveAttribute('aria-pressed', 'true');
  });

  it('says "Correct" in words on the right answer, in its shape\'s place, whatever its tile\'s colour', () => {
    card(choice, { canAnswer: false, chosen: 'finish', correctAnswer: 'start', open: false });
    const right = screen.getByTestId('choice-0');
    expect(right).toHaveClass('choice-0', 'is-correct');
    expect(screen.getByTestId('choice-correct-mark')).toHaveTextContent(/^Correct$/);
    expect(right).toContainElement(screen.getByTestId('choice-correct-mark'));
    expect(right.querySelector('.choice-shape')).toBeNull();
    // Said once to screen readers, as before.
    expect(right).toHaveAccessibleName(/^start ?\(correct answer\)$/);
    // The wrong answer keeps its letter and shape apart from its words (only they are struck, styles.css).
    const wrong = screen.getByTestId('choice-1');
    expect(wrong).toHaveClass('is-wrong');
    expect(wrong.querySelector('.choice-key')).toHaveTextContent('B');
    expect(wrong.querySelector('.choice-text')).toHaveTextContent(/^finish$/);
    expect(wrong.querySelector('.choice-shape')).not.toBeNull();
    expect(screen.getAllByTestId('choice-correct-mark')).toHaveLength(1);
  });

  it('marks no choice correct while the question is open', () => {
    card(choice);
    expect(screen.queryByTestId('choice-correct-mark')).toBeNull();
    expect(screen.getByTestId('choice-0').querySelector('.choice-shape')).not.toBeNull();
  });

  it('submits a typed answer, trimmed, with the labelled text box', async () => {
    const onAnswer = card(text);
    expect(screen.getByTestId('submit-answer')).toBeDisabled();
    await userEvent.type(screen.getByLabelText('Your answer'), '  hello {Enter}');
    expect(onAnswer).toHaveBeenCalledWith('hello');
  });

  it('gives a typed question the keyboard as it opens', async () => {
    const onAnswer = card(text);
    expect(screen.getByLabelText('Your answer')).toHaveFocus();
    await userEvent.keyboard('hello{Enter}');
    expect(onAnswer).toHaveBeenCalledWith('hello');
  });
});

describe('QuestionCard focus as a choice question opens', () => {
  it('gives a phone\'s first choice the focus without a ring: nobody picked it', async () => {
    // A tap (or a reload: no key pressed yet).
    fireEvent.pointerDown(document.body);
    card(choice);
    const first = screen.getByTestId('choice-0');
    expect(first).toHaveFocus();
    expect(first).toHaveAttribute('data-quiet-focus');
    // A key shows where the focus is.
    await userEvent.keyboard('{Shift}');
    expect(first).toHaveFocus();
    expect(first).not.toHaveAttribute('data-quiet-focus');
  });

  it('shows no ring on the next question\'s first choice after a typed answer', async () => {
    const onAnswer = vi.fn();
    const props = { questionCount: 3, offsetMs: 0, chosen: null, correctAnswer: null, open: true, onAnswer };
    const { rerender } = render(<QuestionCard question={text} canAnswer {...props} />);
    await userEvent.type(screen.getByLabelText('Your answer'), 'hello{Enter}');
    expect(onAnswer).toHaveBeenCalledWith('hello');
    rerender(<QuestionCard question={text} canAnswer={false} {...props} chosen="hello" />);
    rerender(<QuestionCard question={choice} canAnswer {...props} />);
    const first = screen.getByTestId('choice-0');
    expect(first).toHaveFocus();
    expect(first).toHaveAttribute('data-quiet-focus');
  });

  it('keeps the ring for a player on the keyboard (a choice picked by its key)', () => {
    fireEvent.keyDown(document.body, { key: '2' });
    card(choice);
    const first = screen.getByTestId('choice-0');
    expect(first).toHaveFocus();
    expect(first).not.toHaveAttribute('data-quiet-focus');
  });
});

describe('QuestionCard with a kept draft', () => {
  it('starts with the draft in the box, and an empty box at the next question', () => {
    const props = { questionCount: 3, offsetMs: 0, chosen: null, correctAnswer: null, open: true, onAnswer: vi.fn() };
    const { rerender } = render(<QuestionCard question={text} canAnswer {...props} initialText="hel" />);
    expect(screen.getByTestId('text-answer-input')).toHaveValue('hel');
    expect(screen.getByTestId('submit-answer')).toBeEnabled();
    rerender(<QuestionCard question={{ ...text, question_id: 'q9' }} canAnswer {...props} />);
    expect(screen.getByTestId('text-answer-input')).toHaveValue('');
  });
});

describe('AnswerFeedback', () => {
  it('shows points and streak of a correct answer', () => {
    render(
      <AnswerFeedback
        streak={3}
        missed={false}
        submission={{
          submission_id: 's1',
          question_id: 'q1',
          answer: 'start',
          state: 'scored',
          error: null,
          result: { submission_id: 's1', status: 'scored', correct: true, points: 1150, score: 3000, rank: 1 },
        }}
      />,
    );
    const feedback = screen.getByTestId('answer-feedback');
    expect(feedback).toHaveAttribute('data-correct', 'true');
    expect(feedback).toHaveAttribute('data-points', '1150');
    expect(feedback).toHaveTextContent('Streak ×3');
    expect(screen.getByRole('status')).toContainElement(feedback);
  });

  const scored = (result: Partial<ScoredAnswer>, extra: Partial<Submission> = {}): Submission => ({
    submission_id: 's1',
    question_id: 'q1',
    answer: 'start',
    state: 'scored',
    error: null,
    result: { submission_id: 's1', status: 'scored', correct: true, points: 1100, score: 3000, rank: 1, ...result },
    ...extra,
  });

  it('labels the run including this answer: the server streak + 1', () => {
    // The server's streak counts the correct answers before this one.
    render(<AnswerFeedback streak={0} missed={false} submission={scored({ streak: 2 })} />);
    expect(screen.getByTestId('answer-streak')).toHaveTextContent('Streak ×3');
    expect(screen.getByTestId('answer-streak')).toHaveAttribute('data-streak', '3');
  });

  it('shows no streak for the first correct answer in a row, nor for a wrong one', () => {
    const { unmount } = render(
      <AnswerFeedback streak={5} missed={false} submission={scored({ streak: 0 })} />,
    );
    expect(screen.getByTestId('answer-feedback')).not.toHaveTextContent('Streak');
    unmount();
    render(
      <AnswerFeedback streak={5} missed={false} submission={scored({ correct: false, points: 0, streak: 0 })} />,
    );
    expect(screen.getByTestId('answer-feedback')).not.toHaveTextContent('Streak');
  });

  it('says "+1 point" for a one-point answer (a quiz worth 1 a question)', () => {
    render(<AnswerFeedback streak={0} missed={false} submission={scored({ points: 1, score: 1 })} />);
    expect(screen.getByTestId('answer-feedback')).toHaveTextContent('+1 point');
    expect(screen.getByTestId('answer-feedback')).not.toHaveTextContent('points');
  });

  it('prefers the run the reducer stored on the submission', () => {
    render(<AnswerFeedback streak={9} missed={false} submission={scored({}, { streak: 2 })} />);
    expect(screen.getByTestId('answer-streak')).toHaveTextContent('Streak ×2');
  });

  it('shows a neutral note for an answer sent before a reload', () => {
    render(<AnswerFeedback streak={0} missed={false} submission={null} received />);
    const note = screen.getByTestId('answer-received');
    expect(note).toHaveTextContent('Answer received');
    expect(note).not.toHaveClass('feedback-wrong');
    expect(screen.queryByTestId('answer-feedback')).toBeNull();
  });

  it('explains a rejected answer', () => {
    render(
      <AnswerFeedback
        streak={0}
        missed={false}
        submission={{
          submission_id: 's1',
          question_id: 'q1',
          answer: 'start',
          state: 'rejected',
          result: null,
          error: { code: 'question_closed', detail: '' },
        }}
      />,
    );
    // Named: an answer tapped offline may reach the server long after.
    expect(screen.getByTestId('answer-error')).toHaveTextContent(
      'Too late for your answer “start”: the question had closed before it arrived.',
    );
  });
});
