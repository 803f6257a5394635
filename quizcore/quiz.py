"""Quizzes, their validation, and answer checking for vocabulary questions."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from quizcore.errors import InvalidQuiz

QuestionKind = Literal["choice", "text"]

MAX_QUESTIONS = 200
MAX_CHOICES = 10
MAX_ACCEPT = 20
MAX_PROMPT = 500
MAX_CHOICE = 200
MAX_TITLE = 200
DEFAULT_POINTS = 1000
MAX_POINTS = 10_000
MAX_SECONDS = 300
TYPO_MIN_LENGTH = 5


# Characters that show nothing yet make two choices differ ("c\u200bat"
# shows as "cat"): zero-width spaces and non-joiners, direction marks and
# overrides, invisible operators, the byte-order mark, and a zero-width
# joiner unless an emoji follows it (as in a family or a profession).
HIDDEN = re.compile(
    "[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
    "|\u200d(?![\u2600-\u27bf\U0001f000-\U0001faff])"
)


@functools.lru_cache(maxsize=65_536)
def normalise(text: str) -> str:
    """Return the canonical form typed answers are compared in.

    NFKC, case-folded, trimmed, inner whitespace collapsed to one space, and
    punctuation at either end dropped ("  Hello! " and "hello" are equal).
    """
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    start, end = 0, len(folded)
    while start < end and _is_edge_junk(folded[start]):
        start += 1
    while end > start and _is_edge_junk(folded[end - 1]):
        end -= 1
    return folded[start:end]


def _is_edge_junk(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def within_one_edit(left: str, right: str) -> bool:
    """Return whether the strings differ by at most one edit.

    An edit is an insertion, a deletion, a substitution or a swap of two
    neighbouring characters (the typical slip of a learner on a keyboard).
    """
    if left == right:
        return True
    len_left, len_right = len(left), len(right)
    if abs(len_left - len_right) > 1:
        return False
    if len_left == len_right:
        diffs = [i for i in range(len_left) if left[i] != right[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and left[diffs[0]] == right[diffs[1]]
            and left[diffs[1]] == right[diffs[0]]
        )
    shorter, longer = (left, right) if len_left < len_right else (right, left)
    for i, char in enumerate(shorter):
        if char != longer[i]:
            return shorter[i:] == longer[i + 1 :]
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """One vocabulary question of a quiz."""

    question_id: str
    index: int
    prompt: str
    kind: QuestionKind
    answer: str
    choices: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    points: int = DEFAULT_POINTS
    seconds: int | None = None

    def accepted_forms(self) -> frozenset[str]:
        """Return the normalised forms that count as correct."""
        return _forms(self.answer, self.accept)

    def is_correct(self, given: str, *, typo_tolerance: bool = False) -> bool:
        """Return whether ``given`` answers this question correctly."""
        if self.kind == "choice":
            return normalise(given) == normalise(self.answer)
        typed = normalise(given)
        forms = self.accepted_forms()
        if typed in forms:
            return True
        if not typo_tolerance:
            return False
        return any(len(form) >= TYPO_MIN_LENGTH and within_one_edit(typed, form) for form in forms)

    def offers(self, given: str) -> bool:
        """Return whether ``given`` is one of a choice question's choices."""
        if self.kind != "choice":
            return True
        typed = normalise(given)
        return any(normalise(choice) == typed for choice in self.choices)

    def limit_seconds(self, session_seconds: int) -> int:
        """Return the time limit of this question within a session."""
        return self.seconds if self.seconds is not None else session_seconds

    def public(self) -> dict[str, Any]:
        """Return the question as players may see it (no answers)."""
        return {
            "question_id": self.question_id,
            "index": self.index,
            "prompt": self.prompt,
            "kind": self.kind,
            "choices": list(self.choices),
            "points": self.points,
            "seconds": self.seconds,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Quiz:
    """An authored quiz: an ordered list of questions."""

    quiz_id: str
    title: str
    language: str = "en"
    level: str = ""
    typo_tolerance: bool = False
    author_id: str = ""
    questions: tuple[Question, ...] = field(default_factory=tuple)
    # The questions by id (the first of any id given twice): every answer
    # looks its question up a few times, in quizzes of up to 200 questions.
    _by_id: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Question] = {}
        for question in self.questions:
            by_id.setdefault(question.question_id, question)
        object.__setattr__(self, "_by_id", by_id)

    @property
    def question_count(self) -> int:
        """Return the number of questions."""
        return len(self.questions)

    def question(self, question_id: str) -> Question | None:
        """Return the question with this id, or None."""
        return self._by_id.get(question_id)

    def summary(self) -> dict[str, Any]:
        """Return the fields of the quiz list."""
        return {
            "quiz_id": self.quiz_id,
            "title": self.title,
            "language": self.language,
            "level": self.level,
            "question_count": self.question_count,
        }

    def public(self) -> dict[str, Any]:
        """Return the quiz as players may see it (no answers)."""
        return {**self.summary(), "questions": [q.public() for q in self.questions]}

    def source(self) -> dict[str, Any]:
        """Return the quiz as its author wrote it (the body that creates it again)."""
        written = self.to_dict()
        del written["quiz_id"], written["author_id"]
        return written

    def to_dict(self) -> dict[str, Any]:
        """Return the full JSON-able form, answers included."""
        return {
            "quiz_id": self.quiz_id,
            "title": self.title,
            "language": self.language,
            "level": self.level,
            "typo_tolerance": self.typo_tolerance,
            "author_id": self.author_id,
            "questions": [
                {
                    "prompt": q.prompt,
                    "kind": q.kind,
                    "answer": q.answer,
                    "choices": list(q.choices),
                    "accept": list(q.accept),
                    "points": q.points,
                    "seconds": q.seconds,
                }
                for q in self.questions
            ],
        }


@functools.lru_cache(maxsize=16_384)
def _forms(answer: str, accept: tuple[str, ...]) -> frozenset[str]:
    # Answers are checked on every scoring; their normal forms never change.
    return frozenset(normalise(text) for text in (answer, *accept))


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidQuiz(f"{what} must be a non-empty string")
    if len(value) > limit:
        raise InvalidQuiz(f"{what} is longer than {limit} characters")
    return value.strip()


def _int(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidQuiz(f"{what} must be a whole number from {low} to {high}")
    return value


def build_question(index: int, raw: dict[str, Any]) -> Question:
    """Validate one authored question and return it."""
    where = f"question {index + 1}"
    if not isinstance(raw, dict):
        raise InvalidQuiz(f"{where} must be an object")
    prompt = _text(raw.get("prompt"), f"{where}: prompt", MAX_PROMPT)
    kind = raw.get("kind", "choice")
    if kind not in ("choice", "text"):
        raise InvalidQuiz(f"{where}: kind must be 'choice' or 'text'")
    answer = _text(raw.get("answer"), f"{where}: answer", MAX_CHOICE)
    points = _int(raw.get("points", DEFAULT_POINTS), f"{where}: points", 1, MAX_POINTS)
    seconds_raw = raw.get("seconds")
    seconds = (
        None if seconds_raw is None else _int(seconds_raw, f"{where}: seconds", 1, MAX_SECONDS)
    )
    accept_raw = raw.get("accept") or []
    if not isinstance(accept_raw, list) or len(accept_raw) > MAX_ACCEPT:
        raise InvalidQuiz(f"{where}: accept must be a list of at most {MAX_ACCEPT} strings")
    accept = tuple(_text(item, f"{where}: accepted answer", MAX_CHOICE) for item in accept_raw)
    choices: tuple[str, ...] = ()
    if kind == "choice":
        choices_raw = raw.get("choices")
        if not isinstance(choices_raw, list) or not 2 <= len(choices_raw) <= MAX_CHOICES:
            raise InvalidQuiz(f"{where}: a choice question needs 2 to {MAX_CHOICES} choices")
        choices = tuple(_text(item, f"{where}: choice", MAX_CHOICE) for item in choices_raw)
        if any(HIDDEN.search(choice) for choice in choices):
            raise InvalidQuiz(
                f"{where}: a choice holds characters that do not show (zero-width or"
                " direction marks), so two choices could look the same"
            )
        seen = [normalise(choice) for choice in choices]
        if len(set(seen)) != len(seen):
            raise InvalidQuiz(f"{where}: choices must be different from each other")
        if normalise(answer) not in seen:
            raise InvalidQuiz(f"{where}: the answer must be one of the choices")
        if accept:
            raise InvalidQuiz(f"{where}: accept is for text questions only")
    elif raw.get("choices"):
        raise InvalidQuiz(f"{where}: a text question has no choices")
    if kind == "text" and not normalise(answer):
        raise InvalidQuiz(f"{where}: the answer has no letters")
    return Question(
        question_id=f"q{index + 1}",
        index=index,
        prompt=prompt,
        kind=kind,
        answer=answer,
        choices=choices,
        accept=accept,
        points=points,
        seconds=seconds,
    )


def build_quiz(quiz_id: str, raw: dict[str, Any], *, author_id: str = "") -> Quiz:
    """Validate an authored quiz and return it; raise ``InvalidQuiz`` if malformed."""
    if not isinstance(raw, dict):
        raise InvalidQuiz("a quiz must be an object")
    title = _text(raw.get("title"), "title", MAX_TITLE)
    language = _text(raw.get("language", "en"), "language", 16)
    level_raw = raw.get("level", "")
    if not isinstance(level_raw, str) or len(level_raw) > 16:
        raise InvalidQuiz("level must be a string of at most 16 characters")
    typo = raw.get("typo_tolerance", False)
    if not isinstance(typo, bool):
        raise InvalidQuiz("typo_tolerance must be true or false")
    questions_raw = raw.get("questions")
    if not isinstance(questions_raw, list) or not 1 <= len(questions_raw) <= MAX_QUESTIONS:
        raise InvalidQuiz(f"a quiz needs 1 to {MAX_QUESTIONS} questions")
    questions = tuple(build_question(i, q) for i, q in enumerate(questions_raw))
    return Quiz(
        quiz_id=quiz_id,
        title=title,
        language=language,
        level=level_raw.strip(),
        typo_tolerance=typo,
        author_id=author_id,
        questions=questions,
    )


def quiz_from_dict(data: dict[str, Any]) -> Quiz:
    """Rebuild a stored quiz from ``Quiz.to_dict`` output."""
    return build_quiz(str(data["quiz_id"]), data, author_id=str(data.get("author_id", "")))
