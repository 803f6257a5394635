/**
 * A quiz being written in the editor: what the teacher typed, checked as the
 * server checks it, and turned into the body of `POST /v1/quizzes`.
 */
import type { NewQuestion, NewQuiz, QuestionKind } from './api';
import { hasVisibleText } from './format';

// The server's limits (entrypoints/api/schemas.py).
export const MAX_QUESTIONS = 200;
export const MIN_CHOICES = 2;
export const MAX_CHOICES = 10;
export const MAX_ACCEPT = 20;
const MAX_TITLE = 200;
const MAX_PROMPT = 500;
const MAX_ANSWER = 200;
const MAX_LEVEL = 16;
const MAX_SECONDS = 300;
const MAX_POINTS = 10_000;

export interface DraftQuestion {
  /** This editor's own key for the question (not sent). */
  key: string;
  prompt: string;
  kind: QuestionKind;
  choices: string[];
  /** Index of the right choice, or null while none is marked. */
  correct: number | null;
  /** A typed question's answer. */
  answer: string;
  /** Other typed answers that count, one per line. */
  accept: string;
  /** Seconds to answer; empty for the session's. */
  seconds: string;
  /**
   * Points of a right answer, as a quiz file or a saved quiz's source gave
   * them (not edited here); absent for the server's default.
   */
  points?: number;
}

/** The saved quiz a draft is a corrected copy of (it stays as it is until deleted). */
export interface DraftOrigin {
  quiz_id: string;
  title: string;
}

export interface QuizDraft {
  title: string;
  level: string;
  questions: DraftQuestion[];
  /** The quiz's language, as a file or a saved quiz gave it; absent: English. */
  language?: string;
  /** Accept a typed answer one edit away, as a file or a saved quiz gave it. */
  typoTolerance?: boolean;
  /** Set when the draft began as a copy of a saved quiz, to correct it. */
  copyOf?: DraftOrigin;
  /**
   * A copy's content as it opened ({@link contentOf}): while the draft still
   * reads the same, the teacher has changed nothing and it is not kept.
   */
  copied?: string;
}

/** What is wrong with a draft: the quiz's own fields, and each question's by key. */
export interface DraftProblems {
  quiz: string[];
  questions: Record<string, string[]>;
}

let made = 0;

function newKey(): string {
  made += 1;
  return `q${Date.now().toString(36)}-${made}`;
}

export function emptyQuestion(kind: QuestionKind = 'choice'): DraftQuestion {
  return { key: newKey(), prompt: '', kind, choices: ['', '', '', ''], correct: null, answer: '', accept: '', seconds: '' };
}

export function emptyDraft(): QuizDraft {
  return { title: '', level: '', questions: [emptyQuestion()] };
}

/** True when nothing has been typed into the draft yet. */
export function isBlank(draft: QuizDraft): boolean {
  const typed = (text: string) => text.trim() !== '';
  return (
    !typed(draft.title) &&
    !typed(draft.level) &&
    draft.questions.every(
      (question) =>
        !typed(question.prompt) &&
        !typed(question.answer) &&
        !typed(question.accept) &&
        question.choices.every((choice) => !typed(choice)),
    )
  );
}

// Characters that show nothing yet make two choices differ ("c\u200bat"
// would show as a second "cat"), as the server reads them
// (quizcore/quiz.py HIDDEN): zero-width spaces and non-joiners, direction
// marks and overrides, invisible operators, the byte-order mark, and a
// zero-width joiner unless an emoji follows it (one picture: a teacher).
const HIDDEN =
  /[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\u200d(?![\u2600-\u27bf\u{1f000}-\u{1faff}])/u;

/**
 * The form typed answers and choices are compared in, as the server's
 * (quizcore/quiz.py `normalise`): compatibility-normalised, lower-cased,
 * inner spaces collapsed, punctuation at either end dropped.
 */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/\s+/u)
    .filter(Boolean)
    .join(' ')
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

function filled(choices: string[]): string[] {
  return choices.map((choice) => choice.trim()).filter((choice) => choice !== '');
}

function acceptList(accept: string): string[] {
  return accept
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function checkText(label: string, text: string, max: number, problems: string[]): void {
  if (!text.trim()) problems.push(`${label} is empty.`);
  else if (!hasVisibleText(text)) problems.push(`${label} needs letters or digits that show.`);
  else if (text.trim().length > max) problems.push(`${label} is longer than ${max} characters.`);
}

function questionProblems(question: DraftQuestion): string[] {
  const problems: string[] = [];
  checkText('The question', question.prompt, MAX_PROMPT, problems);
  if (question.kind === 'choice') {
    const choices = filled(question.choices);
    if (choices.length < MIN_CHOICES) problems.push(`Give at least ${MIN_CHOICES} choices.`);
    if (choices.some((choice) => !hasVisibleText(choice))) {
      problems.push('Each choice needs letters or digits that show.');
    } else if (choices.some((choice) => HIDDEN.test(choice))) {
      problems.push('A choice holds characters that do not show (zero-width or direction marks): type it again.');
    }
    if (choices.some((choice) => choice.length > MAX_ANSWER)) {
      problems.push(`A choice is longer than ${MAX_ANSWER} characters.`);
    }
    const forms = choices.map(normalise);
    if (new Set(forms).size < forms.length) {
      problems.push('Two choices are the same (case, spaces and punctuation aside).');
    }
    const right = question.correct === null ? '' : (question.choices[question.correct] ?? '').trim();
    if (!right) problems.push('Mark the right choice.');
  } else {
    checkText('The answer', question.answer, MAX_ANSWER, problems);
    if (question.answer.trim() && !/[\p{L}\p{N}]/u.test(question.answer)) {
      problems.push('A typed answer needs a letter or a digit.');
    }
    const accept = acceptList(question.accept);
    if (accept.length > MAX_ACCEPT) problems.push(`At most ${MAX_ACCEPT} other answers.`);
    if (accept.some((other) => !hasVisibleText(other) || other.length > MAX_ANSWER)) {
      problems.push(`Each other answer needs letters or digits, at most ${MAX_ANSWER} characters.`);
    }
  }
  if (question.points !== undefined && !(Number.isInteger(question.points) && question.points >= 1 && question.points <= MAX_POINTS)) {
    problems.push(`Points must be a whole number from 1 to ${MAX_POINTS}.`);
  }
  if (question.seconds.trim()) {
    const seconds = Number(question.seconds);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) {
      problems.push(`Seconds must be a whole number from 1 to ${MAX_SECONDS}, or empty for the session's.`);
    }
  }
  return problems;
}

/** Check a draft as the server will; empty lists when it can be saved. */
export function problemsOf(draft: QuizDraft): DraftProblems {
  const quiz: string[] = [];
  checkText('The title', draft.title, MAX_TITLE, quiz);
  if (draft.level.trim().length > MAX_LEVEL) quiz.push(`The level is longer than ${MAX_LEVEL} characters.`);
  if (draft.questions.length === 0) quiz.push('Add a question.');
  if (draft.questions.length > MAX_QUESTIONS) quiz.push(`At most ${MAX_QUESTIONS} questions.`);
  const questions: Record<string, string[]> = {};
  for (const question of draft.questions) {
    const found = questionProblems(question);
    if (found.length > 0) questions[question.key] = found;
  }
  return { quiz, questions };
}

export function hasProblems(problems: DraftProblems): boolean {
  return problems.quiz.length > 0 || Object.keys(problems.questions).length > 0;
}

/** The body of `POST /v1/quizzes` for a draft without problems. */
export function toNewQuiz(draft: QuizDraft): NewQuiz {
  const questions = draft.questions.map((question): NewQuestion => {
    const seconds = question.seconds.trim() ? { seconds: Number(question.seconds) } : {};
    const points = question.points !== undefined ? { points: question.points } : {};
    if (question.kind === 'choice') {
      const right = (question.choices[question.correct ?? -1] ?? '').trim();
      return {
        prompt: question.prompt.trim(),
        kind: 'choice',
        choices: filled(question.choices),
        answer: right,
        ...points,
        ...seconds,
      };
    }
    const accept = acceptList(question.accept);
    return {
      prompt: question.prompt.trim(),
      kind: 'text',
      answer: question.answer.trim(),
      ...(accept.length > 0 ? { accept } : {}),
      ...points,
      ...seconds,
    };
  });
  const level = draft.level.trim();
  return {
    title: draft.title.trim(),
    language: draft.language?.trim() || 'en',
    ...(level ? { level } : {}),
    ...(draft.typoTolerance ? { typo_tolerance: true } : {}),
    questions,
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/**
 * A draft from a quiz file: the JSON `POST /v1/quizzes` takes (and `quiz
 * import` reads). Throws an Error that says what is wrong with the file.
 */
export function draftFromFile(content: string): QuizDraft {
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch {
    throw new Error('This file is not a quiz file: it is not JSON.');
  }
  if (Array.isArray(data)) {
    throw new Error(
      `This file holds ${data.length} quizzes: load one quiz at a time here (the server's "quiz import" takes a list).`,
    );
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { questions?: unknown }).questions)) {
    throw new Error('This file is not a quiz file: it has no list of "questions".');
  }
  const quiz = data as Record<string, unknown> & { questions: unknown[] };
  quiz.questions.forEach((item, index) => {
    if (typeof item !== 'object' || item === null) {
      throw new Error(`Question ${index + 1} of the file is not a question.`);
    }
    const kind = (item as Record<string, unknown>).kind;
    if (kind !== undefined && kind !== 'choice' && kind !== 'text') {
      throw new Error(`Question ${index + 1} of the file is of kind "${text(kind)}": a question is "choice" or "text".`);
    }
  });
  return draftOf(quiz);
}

/** One question of a quiz as written (`POST /v1/quizzes`), as the editor holds it. */
function draftQuestion(raw: Record<string, unknown>): DraftQuestion {
  const kind: QuestionKind = raw.kind === 'text' ? 'text' : 'choice';
  const answer = text(raw.answer);
  const seconds = text(raw.seconds);
  const points = typeof raw.points === 'number' ? { points: raw.points } : {};
  if (kind === 'text') {
    const accept = Array.isArray(raw.accept) ? raw.accept.map(text).join('\n') : '';
    return { ...emptyQuestion('text'), prompt: text(raw.prompt), answer, accept, seconds, ...points };
  }
  const choices = Array.isArray(raw.choices) ? raw.choices.map(text) : [];
  const right = choices.findIndex((choice) => normalise(choice) === normalise(answer));
  return {
    ...emptyQuestion('choice'),
    prompt: text(raw.prompt),
    // Room to type the missing ones.
    choices: [...choices, ...Array<string>(Math.max(0, MIN_CHOICES - choices.length)).fill('')],
    correct: right >= 0 ? right : null,
    seconds,
    ...points,
  };
}

/** A draft of a quiz as written (a file's, or a saved quiz's source). */
function draftOf(quiz: Record<string, unknown> & { questions: unknown[] }): QuizDraft {
  const language = text(quiz.language).trim();
  return {
    title: text(quiz.title),
    level: text(quiz.level),
    questions: quiz.questions.map((item) => draftQuestion(item as Record<string, unknown>)),
    ...(language ? { language } : {}),
    ...(quiz.typo_tolerance === true ? { typoTolerance: true } : {}),
  };
}

/**
 * A draft to correct a saved quiz: its source (`GET /v1/quizzes/{id}/source`,
 * answers included) in the editor. Saving it makes a new quiz; `copyOf` says
 * which one it corrects (offered for deletion once the copy is saved).
 */
export function draftFromQuiz(source: NewQuiz, copyOf: DraftOrigin): QuizDraft {
  const draft = draftOf({ ...source, questions: source.questions });
  // A source without a question still opens, with one to write.
  if (draft.questions.length === 0) draft.questions = [emptyQuestion()];
  return { ...draft, copyOf, copied: contentOf(draft) };
}

/** What the teacher can change in a draft, as one string (to tell whether anything was). */
export function contentOf(draft: QuizDraft): string {
  return JSON.stringify([
    draft.title,
    draft.level,
    draft.language ?? null,
    draft.typoTolerance ?? null,
    draft.questions,
  ]);
}

/** True for a copy of a saved quiz the teacher has not changed since it opened. */
export function isUntouchedCopy(draft: QuizDraft): boolean {
  return draft.copyOf !== undefined && draft.copied !== undefined && contentOf(draft) === draft.copied;
}

/** Parse a stored draft; null when there is none or it is not one. */
export function parseDraft(stored: string | null): QuizDraft | null {
  if (!stored) return null;
  try {
    const data = JSON.parse(stored) as QuizDraft;
    if (typeof data.title !== 'string' || !Array.isArray(data.questions)) return null;
    return data;
  } catch {
    return null;
  }
}
