import { describe, expect, it } from 'vitest';
import type { NewQuiz } from './api';
import {
  draftFromFile,
  draftFromQuiz,
  emptyDraft,
  emptyQuestion,
  hasProblems,
  isBlank,
  isUntouchedCopy,
  normalise,
  parseDraft,
  problemsOf,
  toNewQuiz,
  type QuizDraft,
} from './quizDraft';

function draft(change: Partial<QuizDraft> = {}): QuizDraft {
  return {
    title: 'Animals',
    level: 'A1',
    questions: [
      { ...emptyQuestion(), prompt: 'Which one barks?', choices: ['dog', 'cat', '', ''], correct: 0 },
      { ...emptyQuestion('text'), prompt: "Type the English word for 'chat'", answer: 'cat', accept: 'kitty\n\n kitten ' },
    ],
    ...change,
  };
}

describe('quiz drafts', () => {
  it('turns a draft into the body the server takes, blank choices dropped', () => {
    expect(toNewQuiz(draft())).toEqual({
      title: 'Animals',
      language: 'en',
      level: 'A1',
      questions: [
        { prompt: 'Which one barks?', kind: 'choice', choices: ['dog', 'cat'], answer: 'dog' },
        { prompt: "Type the English word for 'chat'", kind: 'text', answer: 'cat', accept: ['kitty', 'kitten'] },
      ],
    });
  });

  it('sends seconds only for a question that sets them', () => {
    const timed = draft();
    timed.questions[0] = { ...timed.questions[0], seconds: '45' };
    const body = toNewQuiz(timed);
    expect(body.questions[0].seconds).toBe(45);
    expect(body.questions[1]).not.toHaveProperty('seconds');
  });

  it('finds nothing wrong with a complete draft', () => {
    expect(hasProblems(problemsOf(draft()))).toBe(false);
  });

  it('says what each question lacks, as the server would refuse it', () => {
    const bad = draft({ title: '\u200b' });
    const [choice, text] = bad.questions;
    bad.questions = [
      { ...choice, choices: ['Dog', ' dog! ', 'cat', ''], correct: 3 },
      { ...text, answer: '?!', seconds: '301' },
    ];
    const problems = problemsOf(bad);
    expect(problems.quiz).toEqual(['The title needs letters or digits that show.']);
    expect(problems.questions[choice.key]).toEqual([
      'Two choices are the same (case, spaces and punctuation aside).',
      'Mark the right choice.',
    ]);
    expect(problems.questions[text.key]).toEqual([
      'A typed answer needs a letter or a digit.',
      "Seconds must be a whole number from 1 to 300, or empty for the session's.",
    ]);
  });

  it('takes emoji joined into one picture as a choice', () => {
    const ok = draft();
    ok.questions[0] = { ...ok.questions[0], choices: ['\u{1f469}\u200d\u{1f3eb}', 'cat', '', ''], correct: 0 };
    expect(hasProblems(problemsOf(ok))).toBe(false);
    ok.questions[0] = { ...ok.questions[0], choices: ['c\u200dat', 'cat', '', ''], correct: 0 };
    expect(problemsOf(ok).questions[ok.questions[0].key]).toEqual([
      'A choice holds characters that do not show (zero-width or direction marks): type it again.',
    ]);
  });

  it('needs two choices and a prompt', () => {
    const bad = draft();
    bad.questions = [{ ...emptyQuestion(), choices: ['only', '', '', ''], correct: 0 }];
    expect(problemsOf(bad).questions[bad.questions[0].key]).toEqual([
      'The question is empty.',
      'Give at least 2 choices.',
    ]);
  });

  it('compares choices as the server compares answers', () => {
    expect(normalise('  Hello,   World! ')).toBe('hello, world');
    expect(normalise('ＡＢＣ')).toBe('abc');
  });

  it('reads a quiz file of the format POST /v1/quizzes takes', () => {
    const loaded = draftFromFile(
      JSON.stringify({
        title: 'Everyday verbs',
        level: 'A2',
        questions: [
          { prompt: "Choose the synonym of 'begin'", kind: 'choice', choices: ['start', 'finish'], answer: 'Start', seconds: 30 },
          { prompt: "Type the English word for 'bonjour'", kind: 'text', answer: 'hello', accept: ['hi'] },
        ],
      }),
    );
    expect(loaded.title).toBe('Everyday verbs');
    expect(loaded.questions[0]).toMatchObject({ kind: 'choice', choices: ['start', 'finish'], correct: 0, seconds: '30' });
    expect(loaded.questions[1]).toMatchObject({ kind: 'text', answer: 'hello', accept: 'hi' });
    expect(toNewQuiz(loaded).questions[0].answer).toBe('start');
  });

  it('opens a saved quiz as a copy to correct, which saves back as it was written', () => {
    const source: NewQuiz = {
      title: 'Verbs 1',
      language: 'fr',
      level: 'A2',
      typo_tolerance: true,
      questions: [
        { prompt: "Synonyme de 'commencer'", kind: 'choice', choices: ['débuter', 'finir'], answer: 'débuter', points: 2000, seconds: 30 },
        { prompt: 'hello', kind: 'text', answer: 'bonjour', accept: ['salut'], points: 500 },
      ],
    };
    const copy = draftFromQuiz(source, { quiz_id: 'verbs-1', title: 'Verbs 1' });
    expect(copy.copyOf).toEqual({ quiz_id: 'verbs-1', title: 'Verbs 1' });
    expect(copy.questions[0]).toMatchObject({ choices: ['débuter', 'finir'], correct: 0, seconds: '30', points: 2000 });
    expect(copy.questions[1]).toMatchObject({ kind: 'text', answer: 'bonjour', accept: 'salut', points: 500 });
    expect(hasProblems(problemsOf(copy))).toBe(false);
    // Language, typo tolerance and points are kept: only what the teacher corrects changes.
    expect(toNewQuiz(copy)).toEqual(source);
  });

  it('knows a copy nothing was changed in, through storage too', () => {
    const copy = draftFromQuiz(
      { title: 'Verbs 1', level: 'A2', questions: [{ prompt: 'p', kind: 'text', answer: 'a' }] },
      { quiz_id: 'verbs-1', title: 'Verbs 1' },
    );
    expect(isUntouchedCopy(copy)).toBe(true);
    expect(isUntouchedCopy(parseDraft(JSON.stringify(copy)) as QuizDraft)).toBe(true);
    expect(isUntouchedCopy({ ...copy, level: 'A2+' })).toBe(false);
    expect(isUntouchedCopy({ ...copy, questions: [{ ...copy.questions[0], answer: 'b' }] })).toBe(false);
    // Changed back as it was: nothing to keep.
    expect(isUntouchedCopy({ ...copy, level: 'A2' })).toBe(true);
    // A draft of the teacher's own, or a copy from before copies remembered how they opened.
    expect(isUntouchedCopy(emptyDraft())).toBe(false);
    expect(isUntouchedCopy({ ...copy, copied: undefined })).toBe(false);
    // The fingerprint is not sent.
    expect(toNewQuiz(copy)).not.toHaveProperty('copied');
  });

  it('opens a saved quiz without a question with one to write', () => {
    const copy = draftFromQuiz({ title: 'Empty', questions: [] }, { quiz_id: 'e', title: 'Empty' });
    expect(copy.questions).toHaveLength(1);
    expect(toNewQuiz({ ...copy, questions: [] })).not.toHaveProperty('typo_tolerance');
  });

  it('checks points the editor carries from a file', () => {
    const bad = draft();
    bad.questions[0] = { ...bad.questions[0], points: 0 };
    expect(problemsOf(bad).questions[bad.questions[0].key]).toEqual(['Points must be a whole number from 1 to 10000.']);
  });

  it('knows a draft nothing was typed into', () => {
    expect(isBlank(emptyDraft())).toBe(true);
    expect(isBlank({ ...emptyDraft(), title: 'x' })).toBe(false);
    expect(isBlank(draft())).toBe(false);
  });

  it('says why a file is not a quiz', () => {
    expect(() => draftFromFile('[{"questions": []}, {"questions": []}]')).toThrow('holds 2 quizzes');
    expect(() => draftFromFile('{"questions": [{"prompt": "p", "kind": "essay"}]}')).toThrow('of kind "essay"');
    expect(() => draftFromFile('not json')).toThrow('it is not JSON');
    expect(() => draftFromFile('{"title": "x"}')).toThrow('no list of "questions"');
    expect(() => draftFromFile('{"questions": [3]}')).toThrow('Question 1 of the file is not a question');
  });
});
