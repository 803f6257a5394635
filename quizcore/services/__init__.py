"""The handlers of every seed service, written once against the ports.

One module per seed service (the seed's number in its docstring). The
embedded profile calls them in one process; the cloud workers and the
Flink job call the very same classes from their consumers, so a rule is
never written twice.
"""

from quizcore.services.common import (
    GLOBAL_BOARD,
    Catalog,
    PlayRules,
    current_question,
    load_session,
    score_answers,
    session_board,
)
from quizcore.services.leaderboard import LeaderboardService, leaderboard_view
from quizcore.services.notification import NotificationService
from quizcore.services.quiz import QuizService, question_stats, standings
from quizcore.services.quiz_event import QuizEventHandler
from quizcore.services.score import ScoreService, SubmissionView
from quizcore.services.score_event import ScoreEventHandler
from quizcore.services.stream_processor import StreamProcessor
from quizcore.services.ums import IdentityEvent, UserService

__all__ = [
    "GLOBAL_BOARD",
    "Catalog",
    "IdentityEvent",
    "LeaderboardService",
    "NotificationService",
    "PlayRules",
    "QuizEventHandler",
    "QuizService",
    "ScoreEventHandler",
    "ScoreService",
    "StreamProcessor",
    "SubmissionView",
    "UserService",
    "current_question",
    "leaderboard_view",
    "load_session",
    "question_stats",
    "score_answers",
    "session_board",
    "standings",
]
