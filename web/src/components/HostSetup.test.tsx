import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type NewQuiz, type QuizSummary } from '../api';
import type { HostedSessions } from '../hosted';
import { emptyQuestion, type QuizDraft } from '../quizDraft';
import { HostSetup } from './HostSetup';

const verbs1: QuizSummary = { quiz_id: 'verbs-1', title: 'Verbs 1', language: 'en', level: 'A2', question_count: 2 };
const nouns: QuizSummary = { quiz_id: 'nouns', title: 'Nouns', language: 'en', level: 'A1', question_count: 3 };
const food: QuizSummary = { quiz_id: 'food', title: 'Food', language: 'en', level: 'A1', question_count: 5 };
const travel: QuizSummary = { quiz_id: 'travel', title: 'Travel', language: 'en', level: 'B1', question_count: 8 };

/** Verbs 1 as its author wrote it: what `GET /v1/quizzes/verbs-1/source` gives. */
const verbsSource: NewQuiz = {
  title: 'Verbs 1',
  language: 'en',
  level: 'A2',
  typo_tolerance: true,
  questions: [
    { prompt: "Choose the synonym of 'begin'", kind: 'choice', choices: ['start', 'finsh', 'stay'], answer: 'start', points: 2000, seconds: 30 },
    { prompt: "Type the English word for 'bonjour'", kind: 'text', answer: 'hello', accept: ['hi', 'hey'], points: 1000 },
  ],
};

const noHosted = { list: () => [], forget: () => undefined } as unknown as HostedSessions;

/** A server where the teacher wrote Nouns, then Verbs 1; Food and Travel are shipped. */
function fakeApi() {
  let mine = [nouns, verbs1];
  const shipped = [food, travel];
  return {
    listQuizzes: vi.fn(async (options: { mine?: boolean } = {}) =>
      // Both lists are oldest first: the shipped ones, then the teacher's.
      options.mine ? [...mine] : [...shipped, ...mine],
    ),
    deleteQuiz: vi.fn(async (quizId: string) => {
      mine = mine.filter((quiz) => quiz.quiz_id !== quizId);
    }),
    quizSource: vi.fn(async (_quizId: string): Promise<NewQuiz> => structuredClone(verbsSource)),
    createQuiz: vi.fn(async (_quiz: NewQuiz) => ({ quiz_id: 'verbs-2' })),
    createSession: vi.fn(async (_body: Record<string, unknown>) => ({ session_id: 'K7PQ2M' })),
  };
}

type FakeApi = ReturnType<typeof fakeApi>;

function setup(api: FakeApi = fakeApi()) {
  const user = userEvent.setup();
  render(<HostSetup api={api as unknown as ApiClient} hosted={noHosted} userId="u-t" onCreated={vi.fn()} drafts={localStorage} />);
  return { user, api };
}

const select = () => screen.getByTestId('host-quiz-select') as HTMLSelectElement;
const optionIds = () => Array.from(select().options).map((option) => option.value);

/** Wait for the lists: the select is enabled once both are in. */
async function loaded() {
  await waitFor(() => expect(select()).toBeEnabled());
}

beforeEach(() => {
  localStorage.clear();
});

describe('host setup: the teacher\'s own quizzes', () => {
  it('lists the teacher\'s quizzes first, in their own group, and picks the first', async () => {
    const { api } = setup();
    await loaded();
    expect(api.listQuizzes).toHaveBeenCalledWith();
    expect(api.listQuizzes).toHaveBeenCalledWith({ mine: true });

    const [yours, others] = Array.from(select().querySelectorAll('optgroup'));
    expect(yours).toHaveAttribute('label', 'Your quizzes');
    expect(within(yours).getAllByRole('option').map((option) => option.textContent)).toEqual([
      'Verbs 1 · EN A2 · 2 questions',
      'Nouns · EN A1 · 3 questions',
    ]);
    expect(others).toHaveAttribute('label', 'Other quizzes');
    expect(within(others).getAllByRole('option').map((option) => (option as HTMLOptionElement).value)).toEqual([
      'food',
      'travel',
    ]);
    // Each quiz once: the teacher's are not listed again among the others.
    expect(optionIds()).toEqual(['verbs-1', 'nouns', 'food', 'travel']);
    expect(select()).toHaveValue('verbs-1');

    // The picked quiz is the teacher's: it can be corrected or deleted, by name.
    expect(screen.getByRole('button', { name: 'Correct Verbs 1' })).toHaveTextContent('Correct this quiz');
    expect(screen.getByRole('button', { name: 'Delete Verbs 1' })).toHaveTextContent('Delete this quiz');
  });

  it('offers no action on a quiz that is not the teacher\'s', async () => {
    const { user } = setup();
    await loaded();
    await user.selectOptions(select(), 'food');
    expect(screen.queryByTestId('host-quiz-correct')).toBeNull();
    expect(screen.queryByTestId('host-quiz-delete')).toBeNull();
    await user.selectOptions(select(), 'nouns');
    expect(screen.getByTestId('host-quiz-delete')).toHaveAccessibleName('Delete Nouns');
  });

  it('lists every quiz without groups when the teacher has none', async () => {
    const api = fakeApi();
    api.listQuizzes.mockImplementation(async (options: { mine?: boolean } = {}) => (options.mine ? [] : [food, travel]));
    setup(api);
    await loaded();
    expect(select().querySelector('optgroup')).toBeNull();
    expect(optionIds()).toEqual(['food', 'travel']);
    expect(select()).toHaveValue('food');
    expect(screen.queryByTestId('host-quiz-actions')).toBeNull();
  });

  it('still lists every quiz when the server cannot say which are the teacher\'s', async () => {
    const api = fakeApi();
    api.listQuizzes.mockImplementation(async (options: { mine?: boolean } = {}) => {
      if (options.mine) throw new ApiError(400, 'invalid_request', 'Invalid', 'unknown parameter mine');
      return [food, verbs1];
    });
    setup(api);
    await loaded();
    expect(optionIds()).toEqual(['food', 'verbs-1']);
    expect(screen.getByRole('alert')).toBeEmptyDOMElement();
  });
});

describe('host setup: deleting a quiz', () => {
  it('deletes only after the confirmation, then picks the next quiz and says so', async () => {
    const { user, api } = setup();
    await loaded();

    await user.click(screen.getByRole('button', { name: 'Delete Verbs 1' }));
    const dialog = screen.getByTestId('quiz-delete-dialog');
    expect(dialog).toHaveAccessibleName('Delete Verbs 1?');
    expect(dialog).toHaveTextContent('It leaves your list; quizzes already played from it keep their results.');
    // The safe choice has the keyboard.
    expect(screen.getByTestId('quiz-delete-dialog-cancel')).toHaveFocus();
    await user.click(screen.getByTestId('quiz-delete-dialog-cancel'));
    expect(screen.queryByTestId('quiz-delete-dialog')).toBeNull();
    expect(api.deleteQuiz).not.toHaveBeenCalled();
    expect(optionIds()).toContain('verbs-1');
    // Back where it was.
    expect(screen.getByTestId('host-quiz-delete')).toHaveFocus();

    // Escape cancels too.
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('quiz-delete-dialog')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('quiz-delete-dialog')).toBeNull();
    expect(api.deleteQuiz).not.toHaveBeenCalled();

    await user.click(screen.getByTestId('host-quiz-delete'));
    await user.click(screen.getByTestId('quiz-delete-dialog-confirm'));

    expect(api.deleteQuiz).toHaveBeenCalledExactlyOnceWith('verbs-1');
    expect(await screen.findByTestId('quiz-deleted')).toHaveTextContent('Deleted Verbs 1.');
    expect(screen.getByTestId('quiz-deleted').closest('[role="status"]')).not.toBeNull();
    expect(optionIds()).toEqual(['nouns', 'food', 'travel']);
    // The next one is picked, and the list has the keyboard.
    expect(select()).toHaveValue('nouns');
    expect(select()).toHaveFocus();
    expect(screen.getByTestId('host-quiz-delete')).toHaveAccessibleName('Delete Nouns');
  });

  it('picks the quiz before when the last of the list goes, and drops the group once empty', async () => {
    const api = fakeApi();
    api.listQuizzes.mockImplementation(async (options: { mine?: boolean } = {}) => (options.mine ? [nouns] : [food, nouns]));
    const { user } = setup(api);
    await loaded();
    expect(optionIds()).toEqual(['nouns', 'food']);
    await user.click(screen.getByRole('button', { name: 'Delete Nouns' }));
    await user.click(screen.getByTestId('quiz-delete-dialog-confirm'));
    expect(await screen.findByTestId('quiz-deleted')).toHaveTextContent('Deleted Nouns.');
    expect(optionIds()).toEqual(['food']);
    expect(select()).toHaveValue('food');
    expect(select().querySelector('optgroup')).toBeNull();
  });

  it("shows the server's reason when the quiz cannot be deleted, and keeps it", async () => {
    const api = fakeApi();
    api.deleteQuiz.mockRejectedValue(new ApiError(403, 'forbidden', 'Forbidden', 'only its author may delete this quiz'));
    const { user } = setup(api);
    await loaded();
    await user.click(screen.getByTestId('host-quiz-delete'));
    await user.click(screen.getByTestId('quiz-delete-dialog-confirm'));

    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent('Could not delete Verbs 1: only its author may delete this quiz'),
    );
    expect(screen.queryByTestId('quiz-deleted')).toBeNull();
    expect(optionIds()).toContain('verbs-1');
    expect(select()).toHaveValue('verbs-1');
    expect(screen.getByTestId('host-quiz-delete')).toHaveFocus();
  });

  it('says what went wrong when the server cannot be reached', async () => {
    const api = fakeApi();
    api.deleteQuiz.mockRejectedValue(new TypeError('Failed to fetch'));
    const { user } = setup(api);
    await loaded();
    await user.click(screen.getByTestId('host-quiz-delete'));
    await user.click(screen.getByTestId('quiz-delete-dialog-confirm'));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('Could not delete Verbs 1: Could not reach the server.'));
  });
});

describe('host setup: correcting a quiz', () => {
  it('opens a copy with its answers, saves it as a new quiz, then offers to delete the old one', async () => {
    const { user, api } = setup();
    await loaded();
    await user.click(screen.getByRole('button', { name: 'Correct Verbs 1' }));

    expect(await screen.findByTestId('quiz-editor')).toBeInTheDocument();
    expect(api.quizSource).toHaveBeenCalledExactlyOnceWith('verbs-1');
    expect(screen.getByTestId('editor-copy-of')).toHaveTextContent('A copy of “Verbs 1” to correct: saving it makes a new quiz.');
    expect(screen.getByTestId('editor-title')).toHaveValue('Verbs 1');
    expect(screen.getByTestId('editor-title')).toHaveFocus();
    expect(screen.getByTestId('editor-level')).toHaveValue('A2');
    const [choice, text] = screen.getAllByTestId('editor-question');
    expect(within(choice).getByTestId('editor-prompt')).toHaveValue("Choose the synonym of 'begin'");
    expect(within(choice).getAllByTestId('editor-choice').map((input) => (input as HTMLInputElement).value)).toEqual([
      'start',
      'finsh',
      'stay',
    ]);
    // The answer came with the source: the right choice is marked.
    expect(within(choice).getAllByTestId('editor-correct')[0]).toBeChecked();
    expect(within(choice).getByTestId('editor-seconds')).toHaveValue(30);
    expect(within(text).getByTestId('editor-kind')).toHaveValue('text');
    expect(within(text).getByTestId('editor-answer')).toHaveValue('hello');
    expect(within(text).getByTestId('editor-accept')).toHaveValue('hi\nhey');

    // The typo is fixed, and the copy saved.
    const typo = within(choice).getAllByTestId('editor-choice')[1];
    await user.clear(typo);
    await user.type(typo, 'finish');
    await user.click(screen.getByTestId('editor-save'));

    // A new quiz: the saved one is never changed.
    expect(api.createQuiz).toHaveBeenCalledExactlyOnceWith({
      ...verbsSource,
      questions: [{ ...verbsSource.questions[0], choices: ['start', 'finish', 'stay'] }, verbsSource.questions[1]],
    });
    expect(api.deleteQuiz).not.toHaveBeenCalled();
    expect(await screen.findByTestId('quiz-saved')).toHaveTextContent('Saved “Verbs 1”');
    expect(optionIds()).toEqual(['verbs-2', 'verbs-1', 'nouns', 'food', 'travel']);
    expect(select()).toHaveValue('verbs-2');

    // The old one may go now.
    const dialog = screen.getByTestId('quiz-delete-dialog');
    expect(dialog).toHaveAccessibleName('Delete the old Verbs 1?');
    expect(within(dialog).getByRole('button', { name: 'Keep it' })).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));

    expect(api.deleteQuiz).toHaveBeenCalledExactlyOnceWith('verbs-1');
    expect(await screen.findByTestId('quiz-deleted')).toHaveTextContent('Deleted the old Verbs 1.');
    expect(optionIds()).toEqual(['verbs-2', 'nouns', 'food', 'travel']);
    // The corrected copy stays picked.
    expect(select()).toHaveValue('verbs-2');
    expect(select()).toHaveFocus();
    expect(screen.getByTestId('quiz-saved')).toBeInTheDocument();
    // Saved: no draft left behind.
    expect(localStorage.getItem('quizcore.quizDraft.u-t')).toBeNull();
  });

  it('keeps the old quiz when the teacher says so', async () => {
    const { user, api } = setup();
    await loaded();
    await user.click(screen.getByTestId('host-quiz-correct'));
    await screen.findByTestId('quiz-editor');
    await user.click(screen.getByTestId('editor-save'));
    await user.click(await screen.findByRole('button', { name: 'Keep it' }));

    expect(api.deleteQuiz).not.toHaveBeenCalled();
    expect(screen.queryByTestId('quiz-delete-dialog')).toBeNull();
    expect(optionIds()).toEqual(['verbs-2', 'verbs-1', 'nouns', 'food', 'travel']);
    expect(select()).toHaveValue('verbs-2');
    expect(select()).toHaveFocus();
  });

  it('asks before a copy replaces a draft waiting in this browser', async () => {
    const waiting: QuizDraft = {
      title: 'Half done',
      level: '',
      questions: [{ ...emptyQuestion(), prompt: 'Which one barks?' }],
    };
    localStorage.setItem('quizcore.quizDraft.u-t', JSON.stringify(waiting));
    const { user, api } = setup();
    await loaded();
    expect(screen.getByTestId('host-new-quiz')).toHaveTextContent('Go on with your draft quiz');

    await user.click(screen.getByTestId('host-quiz-correct'));
    const dialog = screen.getByTestId('quiz-replace-dialog');
    expect(dialog).toHaveAccessibleName('Replace your unsaved draft with a copy of Verbs 1?');
    await user.click(within(dialog).getByRole('button', { name: 'Keep my draft' }));
    expect(api.quizSource).not.toHaveBeenCalled();
    expect(screen.getByTestId('host-quiz-correct')).toHaveFocus();
    expect(JSON.parse(localStorage.getItem('quizcore.quizDraft.u-t') ?? '{}')).toMatchObject({ title: 'Half done' });

    await user.click(screen.getByTestId('host-quiz-correct'));
    await user.click(within(screen.getByTestId('quiz-replace-dialog')).getByRole('button', { name: 'Replace the draft' }));
    expect(await screen.findByTestId('editor-copy-of')).toBeInTheDocument();
    expect(screen.getByTestId('editor-title')).toHaveValue('Verbs 1');
    // The copy is now the draft this browser keeps.
    expect(JSON.parse(localStorage.getItem('quizcore.quizDraft.u-t') ?? '{}')).toMatchObject({
      title: 'Verbs 1',
      copyOf: { quiz_id: 'verbs-1', title: 'Verbs 1' },
    });
  });

  it('keeps a changed copy as the draft through Back, and still offers to delete the old one once saved', async () => {
    const { user, api } = setup();
    await loaded();
    await user.click(screen.getByTestId('host-quiz-correct'));
    await screen.findByTestId('quiz-editor');
    await user.type(screen.getByTestId('editor-level'), '+');
    await user.click(screen.getByTestId('editor-back'));

    expect(screen.getByTestId('host-new-quiz')).toHaveTextContent('Go on with your copy of Verbs 1');
    // The keyboard goes on with the draft.
    expect(screen.getByTestId('host-new-quiz')).toHaveFocus();
    await user.click(screen.getByTestId('host-new-quiz'));
    expect(screen.getByTestId('editor-copy-of')).toHaveTextContent('Verbs 1');
    expect(screen.getByTestId('editor-level')).toHaveValue('A2+');
    await user.click(screen.getByTestId('editor-save'));
    expect(api.createQuiz).toHaveBeenCalledOnce();
    expect(await screen.findByTestId('quiz-delete-dialog')).toHaveAccessibleName('Delete the old Verbs 1?');
  });

  it('drops a copy left as it opened on Back: no draft to go on with, nothing asked next time', async () => {
    const { user, api } = setup();
    await loaded();
    await user.click(screen.getByTestId('host-quiz-correct'));
    // The editor says what it corrects.
    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent('Correct Verbs 1');
    expect(screen.getByTestId('editor-copy-of')).toBeInTheDocument();
    await user.click(screen.getByTestId('editor-back'));

    expect(screen.getByTestId('host-new-quiz')).toHaveTextContent('Write a new quiz');
    expect(localStorage.getItem('quizcore.quizDraft.u-t')).toBeNull();
    // No draft waits: the keyboard is back on the list.
    expect(select()).toHaveFocus();

    // Correcting again opens the copy at once: there is no draft to replace.
    await user.click(screen.getByTestId('host-quiz-correct'));
    expect(await screen.findByTestId('editor-copy-of')).toBeInTheDocument();
    expect(screen.queryByTestId('quiz-replace-dialog')).toBeNull();
    expect(api.quizSource).toHaveBeenCalledTimes(2);

    // A new quiz is headed as one.
    await user.click(screen.getByTestId('editor-back'));
    await user.click(screen.getByTestId('host-new-quiz'));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('New quiz');
    expect(screen.getByTestId('editor-title')).toHaveValue('');
  });

  it('forgets an untouched copy kept from before a reload', async () => {
    const { user } = setup();
    await loaded();
    await user.click(screen.getByTestId('host-quiz-correct'));
    await screen.findByTestId('quiz-editor');
    // The page is reloaded in the editor: the copy is in storage, as it opened.
    expect(localStorage.getItem('quizcore.quizDraft.u-t')).not.toBeNull();
    cleanup();
    const again = setup();
    await loaded();
    expect(screen.getByTestId('host-new-quiz')).toHaveTextContent('Write a new quiz');
    await again.user.click(screen.getByTestId('host-quiz-correct'));
    expect(await screen.findByTestId('editor-copy-of')).toBeInTheDocument();
    expect(screen.queryByTestId('quiz-replace-dialog')).toBeNull();
  });

  it("shows the server's reason when the source cannot be read, and stays", async () => {
    const api = fakeApi();
    api.quizSource.mockRejectedValue(new ApiError(403, 'forbidden', 'Forbidden', 'only its author reads this quiz'));
    const { user } = setup(api);
    await loaded();
    await user.click(screen.getByTestId('host-quiz-correct'));
    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent('Could not open Verbs 1 to correct it: only its author reads this quiz'),
    );
    expect(screen.queryByTestId('quiz-editor')).toBeNull();
    expect(localStorage.getItem('quizcore.quizDraft.u-t')).toBeNull();
  });

  it('writes a new quiz as before: saved, listed first among the teacher\'s, no deletion offered', async () => {
    const { user, api } = setup();
    await loaded();
    await user.click(screen.getByTestId('host-new-quiz'));
    expect(screen.queryByTestId('editor-copy-of')).toBeNull();
    await user.type(screen.getByTestId('editor-title'), 'Animals');
    const question = screen.getAllByTestId('editor-question')[0];
    await user.type(within(question).getByTestId('editor-prompt'), 'Which one barks?');
    const choices = within(question).getAllByTestId('editor-choice');
    await user.type(choices[0], 'dog');
    await user.type(choices[1], 'cat');
    await user.click(within(question).getAllByTestId('editor-correct')[0]);
    await user.click(screen.getByTestId('editor-save'));

    expect(await screen.findByTestId('quiz-saved')).toBeInTheDocument();
    expect(optionIds()[0]).toBe('verbs-2');
    expect(screen.queryByTestId('quiz-delete-dialog')).toBeNull();
    expect(api.deleteQuiz).not.toHaveBeenCalled();
  });
});

describe('host setup: a corrected copy kept beside its original', () => {
  /** The server after the teacher kept both: Verbs 1 and its corrected copy (verbs-2), oldest first. */
  function bothKept() {
    const api = fakeApi();
    const copy: QuizSummary = { ...verbs1, quiz_id: 'verbs-2' };
    api.listQuizzes.mockImplementation(async (options: { mine?: boolean } = {}) =>
      options.mine ? [nouns, verbs1, copy] : [food, travel, nouns, verbs1, copy],
    );
    return api;
  }

  it('lists the newest first, picks it, and tells the two apart, in the list and the delete dialog', async () => {
    const { user, api } = setup(bothKept());
    await loaded();
    expect(optionIds()).toEqual(['verbs-2', 'verbs-1', 'nouns', 'food', 'travel']);
    expect(select()).toHaveValue('verbs-2');
    const yours = select().querySelector('optgroup') as HTMLOptGroupElement;
    expect(within(yours).getAllByRole('option').map((option) => option.textContent)).toEqual([
      'Verbs 1 · EN A2 · 2 questions · newer',
      'Verbs 1 · EN A2 · 2 questions · older',
      'Nouns · EN A1 · 3 questions',
    ]);
    expect(screen.getByTestId('host-quiz-correct')).toHaveAccessibleName('Correct Verbs 1 · newer');

    await user.selectOptions(select(), 'verbs-1');
    await user.click(screen.getByRole('button', { name: 'Delete Verbs 1 · older' }));
    expect(screen.getByTestId('quiz-delete-dialog')).toHaveAccessibleName('Delete Verbs 1 · older?');
    await user.click(screen.getByTestId('quiz-delete-dialog-confirm'));
    expect(api.deleteQuiz).toHaveBeenCalledExactlyOnceWith('verbs-1');
    expect(await screen.findByTestId('quiz-deleted')).toHaveTextContent('Deleted Verbs 1 · older.');
    // Alone again, it reads as before.
    expect(within(select()).getAllByRole('option')[0]).toHaveTextContent(/^Verbs 1 · EN A2 · 2 questions$/);
  });

  it('tells three alike apart by age', async () => {
    const api = fakeApi();
    const copies = ['verbs-2', 'verbs-3'].map((quiz_id) => ({ ...verbs1, quiz_id }));
    api.listQuizzes.mockImplementation(async (options: { mine?: boolean } = {}) =>
      options.mine ? [verbs1, ...copies] : [verbs1, ...copies],
    );
    setup(api);
    await loaded();
    expect(Array.from(select().options).map((option) => option.textContent)).toEqual([
      'Verbs 1 · EN A2 · 2 questions · newest',
      'Verbs 1 · EN A2 · 2 questions · 2nd newest',
      'Verbs 1 · EN A2 · 2 questions · oldest',
    ]);
  });

  it('shows the corrected copy first and picked once kept, as after a reload', async () => {
    const { user } = setup();
    await loaded();
    await user.click(screen.getByTestId('host-quiz-correct'));
    await screen.findByTestId('quiz-editor');
    await user.click(screen.getByTestId('editor-save'));
    await user.click(await screen.findByRole('button', { name: 'Keep it' }));
    expect(select()).toHaveValue('verbs-2');
    expect(select().options[0]).toHaveTextContent('Verbs 1 · EN A2 · 2 questions · newer');
    expect(select().options[1]).toHaveTextContent('Verbs 1 · EN A2 · 2 questions · older');
  });
});

describe('host setup: a quiz deleted meanwhile', () => {
  it('drops a quiz its author deleted when a session of it is asked for, and picks the next', async () => {
    const api = fakeApi();
    api.createSession.mockRejectedValueOnce(
      new ApiError(404, 'quiz_not_found', 'Not Found', 'no quiz food'),
    );
    const { user } = setup(api);
    await loaded();
    await user.selectOptions(select(), 'food');
    await user.click(screen.getByTestId('host-create'));

    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('That quiz does not exist any more.'));
    expect(optionIds()).toEqual(['verbs-1', 'nouns', 'travel']);
    expect(select()).toHaveValue('travel');

    // Another refusal leaves the list alone.
    api.createSession.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'Unavailable', ''));
    await user.click(screen.getByTestId('host-create'));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('The server is busy.'));
    expect(optionIds()).toEqual(['verbs-1', 'nouns', 'travel']);
    expect(select()).toHaveValue('travel');
  });
});

describe('host setup: showing the right answers (self-paced)', () => {
  const modeSelect = () => screen.getByTestId('host-mode-select');
  const showAnswers = () => screen.queryByTestId('host-show-answers');

  it('offers the choice for self-paced only, ticked, with a hint, and sends it', async () => {
    const { user, api } = setup();
    await loaded();
    expect(showAnswers()).toBeNull();

    await user.selectOptions(modeSelect(), 'self_paced');
    const box = screen.getByRole('checkbox', { name: 'Show the right answer after each question' });
    expect(box).toBe(showAnswers());
    expect(box).toBeChecked();
    expect(box).toHaveAccessibleDescription(
      'Students then see the answer once they have answered or run out of time.',
    );
    await user.click(screen.getByTestId('host-create'));
    await waitFor(() => expect(api.createSession).toHaveBeenCalledTimes(1));
    expect(api.createSession).toHaveBeenLastCalledWith({
      quiz_id: 'verbs-1',
      mode: 'self_paced',
      question_seconds: 20,
      close_when_all_answered: true,
      show_answers: true,
    });

    await user.click(box);
    await user.click(screen.getByTestId('host-create'));
    await waitFor(() => expect(api.createSession).toHaveBeenCalledTimes(2));
    expect(api.createSession.mock.lastCall?.[0]).toMatchObject({ mode: 'self_paced', show_answers: false });
  });

  it('sends nothing about it for a live quiz, where the reveal shows the answer to the room', async () => {
    const { user, api } = setup();
    await loaded();
    await user.selectOptions(modeSelect(), 'self_paced');
    await user.selectOptions(modeSelect(), 'live');
    expect(showAnswers()).toBeNull();
    await user.click(screen.getByTestId('host-create'));
    await waitFor(() => expect(api.createSession).toHaveBeenCalledTimes(1));
    expect(api.createSession.mock.lastCall?.[0]).not.toHaveProperty('show_answers');
  });
});

describe('host setup: back from the editor', () => {
  it('puts the keyboard on the list when no draft waits, on the draft when one does', async () => {
    const { user } = setup();
    await loaded();
    await user.click(screen.getByTestId('host-new-quiz'));
    await user.click(screen.getByTestId('editor-back'));
    expect(select()).toHaveFocus();
    expect(document.activeElement).not.toBe(document.body);

    await user.click(screen.getByTestId('host-new-quiz'));
    await user.type(screen.getByTestId('editor-title'), 'Animals');
    await user.click(screen.getByTestId('editor-back'));
    expect(screen.getByTestId('host-new-quiz')).toHaveTextContent('Go on with your draft quiz');
    expect(screen.getByTestId('host-new-quiz')).toHaveFocus();
  });
});
