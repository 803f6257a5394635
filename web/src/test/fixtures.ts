import type { QuestionResponses, QuizDetail, QuizQuestion } from '../api';

/**
 * What the class typed to a question (the host's `QuestionResponses`): by default
 * q2, "Hello" right and "helo" wrong, two answers each. Unless told, the counts
 * follow the groups: `answer_count` sums them with `other_count`, and
 * `distinct_count` is how many are listed.
 */
export function typedResponses(overrides: Partial<QuestionResponses> = {}): QuestionResponses {
  const responses = overrides.responses ?? [
    { answer: 'Hello', count: 2, correct: true },
    { answer: 'helo', count: 2, correct: false },
  ];
  const otherCount = overrides.other_count ?? 0;
  return {
    question_id: 'q2',
    index: 1,
    kind: 'text',
    answer_count: responses.reduce((sum, group) => sum + group.count, otherCount),
    distinct_count: responses.length,
    responses,
    other_count: otherCount,
    ...overrides,
  };
}

/** The quiz "Everyday verbs" (`verbs`) as `GET /v1/quizzes/{id}` gives it, with these questions. */
export function verbsQuiz(questions: QuizQuestion[]): QuizDetail {
  return {
    quiz_id: 'verbs',
    title: 'Everyday verbs',
    language: 'en',
    level: 'A2',
    question_count: questions.length,
    questions,
  };
}
