import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type NewQuiz, type QuizSummary } from '../api';
import type { HostedSessions } from '../hosted';
import { HostSetup } from './HostSetup';
import { QuizEditor } from './QuizEditor';

const verbs: QuizSummary = { quiz_id: 'verbs', title: 'Everyday verbs', language: 'en', level: 'A2', question_count: 2 };

function fakeApi(createQuiz: (quiz: NewQuiz) => Promise<{ quiz_id: string }>) {
  return {
    createQuiz: vi.fn(createQuiz),
    listQuizzes: vi.fn(async () => [verbs]),
    createSession: vi.fn(async () => ({ session_id: 'K7PQ2M' })),
  };
}

const noHosted = { list: () => [], forget: () => undefined } as unknown as HostedSessions;

/** Fill the first question as a choice question whose right choice is the first. */
async function writeChoiceQuestion(user: ReturnType<typeof userEvent.setup>, question: HTMLElement) {
  await user.type(within(question).getByTestId('editor-prompt'), 'Which one barks?');
  const choices = within(question).getAllByTestId('editor-choice');
  await user.type(choices[0], 'dog');
  await user.type(choices[1], 'cat');
  await user.click(within(question).getAllByTestId('editor-correct')[0]);
}

beforeEach(() => {
  localStorage.clear();
});

describe('quiz editor', () => {
  it('writes a quiz of a choice and a typed question, and saves it', async () => {
    const user = userEvent.setup();
    const api = fakeApi(async () => ({ quiz_id: 'animals-1' }));
    const onSaved = vi.fn();
    render(
      <QuizEditor api={api as unknown as ApiClient} storage={localStorage} userId="u-t" onSaved={onSaved} onCancel={vi.fn()} />,
    );

    await user.type(screen.getByTestId('editor-title'), 'Animals');
    await writeChoiceQuestion(user, screen.getAllByTestId('editor-question')[0]);
    await user.click(screen.getByTestId('editor-add-question'));
    const second = screen.getAllByTestId('editor-question')[1];
    // The new question takes the keyboard.
    expect(within(second).getByTestId('editor-prompt')).toHaveFocus();
    await user.keyboard("Type the English word for 'chat'");
    await user.selectOptions(within(second).getByTestId('editor-kind'), 'text');
    await user.type(within(second).getByTestId('editor-answer'), 'cat');
    await user.type(within(second).getByTestId('editor-accept'), 'kitty');
    await user.click(screen.getByTestId('editor-save'));

    expect(api.createQuiz).toHaveBeenCalledWith({
      title: 'Animals',
      language: 'en',
      questions: [
        { prompt: 'Which one barks?', kind: 'choice', choices: ['dog', 'cat'], answer: 'dog' },
        { prompt: "Type the English word for 'chat'", kind: 'text', answer: 'cat', accept: ['kitty'] },
      ],
    });
    expect(onSaved).toHaveBeenCalledWith({
      quiz_id: 'animals-1',
      title: 'Animals',
      language: 'en',
      level: '',
      question_count: 2,
    });
    // Saved: the draft is gone.
    expect(localStorage.getItem('quizcore.quizDraft.u-t')).toBeNull();
  });

  it('shows what to fix under each question instead of sending', async () => {
    const user = userEvent.setup();
    const api = fakeApi(async () => ({ quiz_id: 'x' }));
    render(
      <QuizEditor api={api as unknown as ApiClient} storage={localStorage} userId="u-t" onSaved={vi.fn()} onCancel={vi.fn()} />,
    );
    await user.type(screen.getByTestId('editor-title'), 'Animals');
    const question = screen.getAllByTestId('editor-question')[0];
    await user.type(within(question).getByTestId('editor-prompt'), 'Which one barks?');
    const choices = within(question).getAllByTestId('editor-choice');
    await user.type(choices[0], 'Dog');
    await user.type(choices[1], 'dog!');
    await user.click(screen.getByTestId('editor-save'));

    expect(api.createQuiz).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent('need a fix');
    const problems = within(question).getByTestId('editor-problems');
    expect(problems).toHaveTextContent('Two choices are the same');
    expect(problems).toHaveTextContent('Mark the right choice.');

    // Each change checks again: fixed, the list of problems goes.
    await user.clear(choices[1]);
    await user.type(choices[1], 'cat');
    await user.click(within(question).getAllByTestId('editor-correct')[0]);
    expect(within(question).queryByTestId('editor-problems')).toBeNull();
  });

  it("shows the server's reason when it refuses the quiz, and keeps the draft", async () => {
    const user = userEvent.setup();
    const api = fakeApi(async () => {
      throw new ApiError(400, 'invalid_request', 'Invalid request', 'question 1: the answer must be one of the choices');
    });
    render(
      <QuizEditor api={api as unknown as ApiClient} storage={localStorage} userId="u-t" onSaved={vi.fn()} onCancel={vi.fn()} />,
    );
    await user.type(screen.getByTestId('editor-title'), 'Animals');
    await writeChoiceQuestion(user, screen.getAllByTestId('editor-question')[0]);
    await user.click(screen.getByTestId('editor-save'));

    expect(await screen.findByRole('alert')).toHaveTextContent('the answer must be one of the choices');
    expect(localStorage.getItem('quizcore.quizDraft.u-t')).toContain('Which one barks?');
  });

  it('keeps the draft through a reload, moves and removes questions', async () => {
    const user = userEvent.setup();
    const api = fakeApi(async () => ({ quiz_id: 'x' }));
    const first = render(
      <QuizEditor api={api as unknown as ApiClient} storage={localStorage} userId="u-t" onSaved={vi.fn()} onCancel={vi.fn()} />,
    );
    await user.type(screen.getByTestId('editor-title'), 'Animals');
    await user.type(within(screen.getAllByTestId('editor-question')[0]).getByTestId('editor-prompt'), 'First');
    await user.click(screen.getByTestId('editor-add-question'));
    await user.keyboard('Second');
    first.unmount();

    render(
      <QuizEditor api={api as unknown as ApiClient} storage={localStorage} userId="u-t" onSaved={vi.fn()} onCancel={vi.fn()} />,
    );
    expect(screen.getByTestId('editor-title')).toHaveValue('Animals');
    const prompts = () => screen.getAllByTestId('editor-prompt').map((prompt) => (prompt as HTMLTextAreaElement).value);
    expect(prompts()).toEqual(['First', 'Second']);

    await user.click(screen.getByRole('button', { name: 'Move question 2 up' }));
    expect(prompts()).toEqual(['Second', 'First']);
    await user.click(screen.getByRole('button', { name: 'Remove question 1' }));
    expect(prompts()).toEqual(['First']);
    // The last question cannot be removed.
    expect(screen.getByRole('button', { name: 'Remove question 1' })).toBeDisabled();

    // Start over asks first.
    await user.click(screen.getByTestId('editor-start-over'));
    await user.click(within(screen.getByTestId('editor-start-over-dialog')).getByText('Clear the draft'));
    expect(screen.getByTestId('editor-title')).toHaveValue('');
    expect(prompts()).toEqual(['']);
  });

  it('loads a quiz file into the editor to check before saving', async () => {
    const user = userEvent.setup();
    const api = fakeApi(async () => ({ quiz_id: 'x' }));
    render(
      <QuizEditor api={api as unknown as ApiClient} storage={localStorage} userId="u-t" onSaved={vi.fn()} onCancel={vi.fn()} />,
    );
    const file = new File(
      [
        JSON.stringify({
          title: 'Everyday verbs',
          questions: [{ prompt: "Choose the synonym of 'begin'", choices: ['start', 'finish'], answer: 'start' }],
        }),
      ],
      'verbs.json',
      { type: 'application/json' },
    );
    await user.upload(screen.getByTestId('editor-file'), file);

    expect(await screen.findByDisplayValue('Everyday verbs')).toBeInTheDocument();
    const question = screen.getAllByTestId('editor-question')[0];
    expect(within(question).getAllByTestId('editor-correct')[0]).toBeChecked();

    await user.upload(screen.getByTestId('editor-file'), new File(['nope'], 'notes.json', { type: 'application/json' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('not a quiz file');
  });
});

describe('quiz editor, as a reviewer used it', () => {
  const editor = (api = fakeApi(async () => ({ quiz_id: 'x' }))) => {
    render(
      <QuizEditor api={api as unknown as ApiClient} storage={localStorage} userId="u-t" onSaved={vi.fn()} onCancel={vi.fn()} />,
    );
    return api;
  };

  it('does not save when Enter is pressed in a field', async () => {
    const user = userEvent.setup();
    const api = editor();
    await user.type(screen.getByTestId('editor-title'), 'Enter test');
    await writeChoiceQuestion(user, screen.getAllByTestId('editor-question')[0]);
    await user.type(screen.getAllByTestId('editor-choice')[1], '{Enter}');
    await user.type(screen.getByTestId('editor-title'), '{Enter}');
    expect(api.createQuiz).not.toHaveBeenCalled();
  });

  it('asks before a quiz file replaces the work in the draft', async () => {
    const user = userEvent.setup();
    editor();
    await user.type(screen.getByTestId('editor-title'), 'My typed work');
    const file = new File([JSON.stringify({ title: 'From the file', questions: [{ prompt: 'p', choices: ['a', 'b'], answer: 'a' }] })], 'q.json', {
      type: 'application/json',
    });
    await user.upload(screen.getByTestId('editor-file'), file);
    const dialog = await screen.findByTestId('editor-file-dialog');
    await user.click(within(dialog).getByText('Keep my draft'));
    expect(screen.getByTestId('editor-title')).toHaveValue('My typed work');

    await user.upload(screen.getByTestId('editor-file'), file);
    await user.click(within(await screen.findByTestId('editor-file-dialog')).getByText('Load the file'));
    expect(screen.getByTestId('editor-title')).toHaveValue('From the file');
  });

  it('refuses a choice with characters that do not show', async () => {
    const user = userEvent.setup();
    const api = editor();
    await user.type(screen.getByTestId('editor-title'), 'Cats');
    const question = screen.getAllByTestId('editor-question')[0];
    await user.type(within(question).getByTestId('editor-prompt'), 'Which is a cat?');
    const choices = within(question).getAllByTestId('editor-choice');
    await user.type(choices[0], 'cat');
    await user.type(choices[1], 'c\u200bat');
    await user.click(within(question).getAllByTestId('editor-correct')[0]);
    await user.click(screen.getByTestId('editor-save'));
    expect(api.createQuiz).not.toHaveBeenCalled();
    expect(within(question).getByTestId('editor-problems')).toHaveTextContent('characters that do not show');
  });

  it('takes the keyboard to a choice just added, and to the first question to fix', async () => {
    const user = userEvent.setup();
    editor();
    await user.type(screen.getByTestId('editor-title'), 'Quiz');
    await writeChoiceQuestion(user, screen.getAllByTestId('editor-question')[0]);
    await user.click(screen.getByTestId('editor-add-choice'));
    expect(screen.getAllByTestId('editor-choice')[4]).toHaveFocus();

    await user.click(screen.getByTestId('editor-add-question'));
    await user.click(screen.getByTestId('editor-save'));
    expect(screen.getAllByTestId('editor-question')[1].querySelector('fieldset')).toHaveFocus();
  });
});

describe('quiz editor without storage', () => {
  it('still writes and saves a quiz where the browser refuses storage', async () => {
    const user = userEvent.setup();
    const api = fakeApi(async () => ({ quiz_id: 'x' }));
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      removeItem: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
    } as unknown as Storage;
    render(<QuizEditor api={api as unknown as ApiClient} storage={full} userId="u-t" onSaved={vi.fn()} onCancel={vi.fn()} />);
    await user.type(screen.getByTestId('editor-title'), 'Animals');
    await writeChoiceQuestion(user, screen.getAllByTestId('editor-question')[0]);
    await user.click(screen.getByTestId('editor-save'));
    expect(api.createQuiz).toHaveBeenCalledTimes(1);
  });
});

describe('host setup', () => {
  it('writes a new quiz from the host page and comes back with it picked', async () => {
    const user = userEvent.setup();
    const api = fakeApi(async () => ({ quiz_id: 'animals-1' }));
    render(<HostSetup api={api as unknown as ApiClient} hosted={noHosted} userId="u-t" onCreated={vi.fn()} drafts={localStorage} />);
    expect(await screen.findByRole('option', { name: /Everyday verbs/ })).toBeInTheDocument();

    await user.click(screen.getByTestId('host-new-quiz'));
    await user.type(screen.getByTestId('editor-title'), 'Animals');
    await writeChoiceQuestion(user, screen.getAllByTestId('editor-question')[0]);
    await act(async () => user.click(screen.getByTestId('editor-save')));

    expect(await screen.findByTestId('quiz-saved')).toHaveTextContent('Saved “Animals”');
    expect(screen.getByTestId('host-quiz-select')).toHaveValue('animals-1');
    expect(screen.getByRole('option', { name: /^Animals · EN .*· 1 question$/ })).toBeInTheDocument();
  });

  it('keeps an unsaved draft when the teacher goes back', async () => {
    const user = userEvent.setup();
    const api = fakeApi(async () => ({ quiz_id: 'x' }));
    render(<HostSetup api={api as unknown as ApiClient} hosted={noHosted} userId="u-t" onCreated={vi.fn()} drafts={localStorage} />);
    await user.click(await screen.findByTestId('host-new-quiz'));
    await user.type(screen.getByTestId('editor-title'), 'Half done');
    await user.click(screen.getByTestId('editor-back'));
    expect(screen.getByTestId('host-quiz-select')).toBeInTheDocument();

    // The way back in says a draft waits there.
    expect(screen.getByTestId('host-new-quiz')).toHaveTextContent('Go on with your draft quiz');
    await user.click(screen.getByTestId('host-new-quiz'));
    expect(screen.getByTestId('editor-title')).toHaveValue('Half done');
  });
});
