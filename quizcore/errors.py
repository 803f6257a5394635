"""Domain errors; each carries the public API's stable error ``code``."""

from __future__ import annotations


class QuizError(Exception):
    """Base of every rule the domain enforces."""

    code = "invalid_request"
    title = "Invalid request"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class InvalidRequest(QuizError):
    """The request breaks a validation rule."""


class InvalidQuiz(InvalidRequest):
    """An authored quiz is malformed."""

    title = "Invalid quiz"


class InvalidAnswer(InvalidRequest):
    """A submitted answer cannot be an answer to its question."""

    title = "Invalid answer"


class Unauthorized(QuizError):
    """The caller is not authenticated."""

    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(QuizError):
    """The caller may not do this."""

    code = "forbidden"
    title = "Forbidden"


class NotFound(QuizError):
    """A resource does not exist."""

    code = "not_found"
    title = "Not found"


class SessionNotFound(NotFound):
    """No session has this id."""

    code = "session_not_found"
    title = "Session not found"


class QuizNotFound(NotFound):
    """No quiz has this id."""

    code = "quiz_not_found"
    title = "Quiz not found"


class NotParticipant(QuizError):
    """The caller has not joined the session."""

    code = "not_participant"
    title = "Not a participant"


class AlreadyAnswered(QuizError):
    """The participant already answered this question."""

    code = "already_answered"
    title = "Already answered"


class QuestionClosed(QuizError):
    """The question's deadline (plus grace) has passed."""

    code = "question_closed"
    title = "Question closed"


class NameTaken(QuizError):
    """Another participant of the session holds this display name."""

    code = "name_taken"
    title = "Name taken"


class QuestionNotOpen(QuizError):
    """The question has not been opened (or served) yet."""

    code = "question_not_open"
    title = "Question not open"


class SessionFinished(QuizError):
    """The session is over."""

    code = "session_finished"
    title = "Session finished"


class SessionLocked(QuizError):
    """The host locked the session: nobody new may join."""

    code = "session_locked"
    title = "Session locked"


class SessionNotRunning(QuizError):
    """The session has not started (or is otherwise not running)."""

    code = "session_not_running"
    title = "Session not running"


class Conflict(QuizError):
    """A concurrent change won; the caller may retry."""

    code = "conflict"
    title = "Conflict"


class StoreUnavailable(QuizError):
    """A backing service did not answer; nothing was changed."""

    code = "unavailable"
    title = "Service unavailable"
