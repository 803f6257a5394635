"""Quiz service (seed 5.6): quizzes, sessions, joining, host moves, results."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from quizcore import session as rules
from quizcore.errors import (
    Conflict,
    Forbidden,
    NameTaken,
    NotFound,
    NotParticipant,
    QuizNotFound,
    SessionFinished,
    SessionLocked,
    SessionNotRunning,
)
from quizcore.messages import (
    Message,
    ParticipantJoined,
    ParticipantRemoved,
)
from quizcore.model import RecordedAnswer
from quizcore.names import clean_name
from quizcore.ports import (
    AnswerStore,
    Clock,
    EventPublisher,
    Leaderboard,
    MasterStore,
    OpeningReach,
    Presence,
    ScoreStore,
    SessionStore,
)
from quizcore.quiz import Question, Quiz, build_quiz, normalise
from quizcore.responses import group_responses
from quizcore.scoring import rank_all
from quizcore.services.common import (
    MAX_NAME_SUFFIX,
    MAX_SAVE_ATTEMPTS,
    Catalog,
    PlayRules,
    current_question,
    gather_bounded,
    load_session,
    score_answers,
    session_board,
)
from quizcore.session import Participant, SessionState, name_key

# Sessions whose last reveal is kept ready for reconnecting screens.
MAX_CACHED_REVEALS = 1024
# Finished sessions whose results are kept ready (each holds every standing).
MAX_CACHED_RESULTS = 16
# Players' serve times read at once for the host's progress view.
PROGRESS_READS = 16
# How long one read of the players' progress serves the host's screens.
PROGRESS_MS = 2000


class QuizService:
    """Quiz service (5.6): quizzes, sessions, joining, host transitions, results."""

    def __init__(
        self,
        *,
        master: MasterStore,
        sessions: SessionStore,
        answers: AnswerStore,
        scores: ScoreStore,
        leaderboard: Leaderboard,
        publisher: EventPublisher,
        clock: Clock,
        catalog: Catalog,
        play: PlayRules | None = None,
        presence: Presence | None = None,
        reach: OpeningReach | None = None,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12],
    ) -> None:
        self.play = play or PlayRules()
        self.presence = presence
        # How long a question takes to reach the room, where this process
        # knows: a large room's questions close that much later.
        self.reach = reach
        # The last reveal per session, by (question, answers to it): a room
        # reconnecting after a reveal would otherwise count every answer of
        # the session once per socket.
        self._reveals: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}
        # The last progress read per session, until when it stands and of
        # which state version: two host screens polling read the stores once
        # per ``PROGRESS_MS``, and a finish shows at once.
        self._progress: dict[str, tuple[int, int, dict[str, Any]]] = {}
        # The last grouped answers per session, by (question, answers to it).
        self._responses: dict[str, tuple[tuple[str, int], dict[str, Any]]] = {}
        # A finished session's results as every participant sees them, by
        # (board version, answers per question): every phone reads them at
        # the finish, and they cost a read of every answer and score.
        self._results: dict[str, tuple[tuple[int, ...], asyncio.Future[dict[str, Any]]]] = {}
        self.master = master
        self.sessions = sessions
        self.answers = answers
        self.scores = scores
        self.leaderboard = leaderboard
        self.publisher = publisher
        self.clock = clock
        self.catalog = catalog
        self._new_id = new_id

    async def create_quiz(self, author_id: str, raw: dict[str, Any]) -> Quiz:
        """Validate and store an authored quiz; return it."""
        quiz = build_quiz(self._new_id(), raw, author_id=author_id)
        await self.master.save_quiz(quiz)
        return quiz

    async def authored_quiz(self, actor: str, quiz_id: str) -> Quiz:
        """Return a quiz its author asks for (answers included); refuse anyone else."""
        quiz = await self.master.get_quiz(quiz_id)
        if quiz is None:
            raise QuizNotFound(f"no quiz {quiz_id}")
        if not quiz.author_id or quiz.author_id != actor:
            raise Forbidden("only the quiz's author can do this")
        return quiz

    async def delete_quiz(self, actor: str, quiz_id: str) -> None:
        """Take the author's quiz off the list (idempotent).

        Sessions played from it keep reading it by id, so it is archived,
        not erased; no new session can be made from it.
        """
        await self.authored_quiz(actor, quiz_id)
        await self.master.archive_quiz(quiz_id)

    async def create_session(
        self,
        *,
        host_id: str,
        quiz_id: str,
        mode: str,
        question_seconds: int,
        streak_bonus: bool = True,
        close_when_all_answered: bool = False,
        show_answers: bool = False,
    ) -> SessionState:
        """Create a session in the lobby under a fresh join code."""
        quiz = await self.catalog.quiz(quiz_id)
        if await self.master.is_archived(quiz_id):
            raise QuizNotFound(f"quiz {quiz_id} was deleted by its author")
        now = self.clock.now_ms()
        for attempt in range(24):
            # Longer codes once short ones keep colliding: never reuse a live id.
            length = 6 if attempt < 8 else 7 if attempt < 16 else 8
            state = rules.create(
                session_id=rules.new_session_id(length),
                quiz=quiz,
                host_id=host_id,
                mode=mode,
                question_seconds=question_seconds,
                now=now,
                streak_bonus=streak_bonus,
                close_when_all_answered=close_when_all_answered,
                show_answers=show_answers,
            )
            if await self.sessions.create(state):
                return state
        raise Conflict("could not allocate a session id; try again")

    async def session(self, session_id: str) -> SessionState:
        """Return the session, revealing a live question whose time ran out."""
        state = await load_session(self.sessions, session_id)
        due = state.reveal_due(self.play.grace_ms)
        if due is not None and self.clock.now_ms() >= due:
            state = await self.close_due(session_id)
        return state

    async def _transition(
        self,
        session_id: str,
        change: Callable[[SessionState, Quiz, int], tuple[SessionState, list[Message]]],
    ) -> SessionState:
        for _ in range(MAX_SAVE_ATTEMPTS):
            state = await load_session(self.sessions, session_id)
            quiz = await self.catalog.quiz(state.quiz_id)
            new_state, events = change(state, quiz, self.clock.now_ms())
            if new_state is state:
                return state
            try:
                await self.sessions.save(new_state, state.version)
            except Conflict:
                continue
            for event in events:
                await self.publisher.publish(event)
            return new_state
        raise Conflict(f"session {session_id} is busy; try again")

    async def start(self, session_id: str, actor: str) -> SessionState:
        """Start the session (host only)."""
        reach = self._reach_ms(session_id)
        return await self._transition(
            session_id, lambda s, q, now: rules.start(s, q, actor, now, reach_ms=reach)
        )

    async def advance(self, session_id: str, actor: str) -> SessionState:
        """Close the open question and open the next (host only)."""
        reach = self._reach_ms(session_id)
        return await self._transition(
            session_id, lambda s, q, now: rules.advance(s, q, actor, now, reach_ms=reach)
        )

    def _reach_ms(self, session_id: str) -> int:
        return 0 if self.reach is None else self.reach.reach_ms(session_id)

    async def set_locked(self, session_id: str, actor: str, *, locked: bool) -> SessionState:
        """Lock the session to newcomers, or let them in again (host only)."""
        return await self._transition(
            session_id, lambda s, _q, now: rules.set_locked(s, actor, now, locked=locked)
        )

    async def reveal(self, session_id: str, actor: str) -> SessionState:
        """Close the open question without opening the next (host only)."""
        return await self._transition(session_id, lambda s, q, now: rules.reveal(s, q, actor, now))

    async def finish(self, session_id: str, actor: str) -> SessionState:
        """Finish the session (host only, idempotent)."""
        return await self._transition(session_id, lambda s, q, now: rules.finish(s, q, actor, now))

    async def close_due(self, session_id: str) -> SessionState:
        """Reveal the live question once its deadline and grace passed (timers)."""
        grace = self.play.grace_ms
        return await self._transition(
            session_id, lambda s, q, now: rules.close_due(s, q, now, grace_ms=grace)
        )

    async def recheck_answered(self, session_id: str) -> None:
        """Close the open question if everyone still there answered it (someone left)."""
        state = await self.sessions.get(session_id)
        if state is None or state.status != "running" or state.question_index < 0:
            return
        quiz = await self.catalog.quiz(state.quiz_id)
        if state.question_index < len(quiz.questions):
            question_id = quiz.questions[state.question_index].question_id
            await self.close_if_all_answered(state, question_id)

    async def answered_count(self, session_id: str, question_id: str) -> int:
        """Return how many participants answered the question.

        Answers of players the host removed stay recorded but count for no
        one: not for the room's "all answered", nor in the statistics.
        """
        answered = await self.answers.question_count(session_id, question_id)
        for user_id in await self.sessions.removed_participants(session_id):
            if await self.answers.get(session_id, question_id, user_id) is not None:
                answered -= 1
        return answered

    async def close_if_all_answered(self, state: SessionState, question_id: str) -> None:
        """Close the open question early once every participant answered it.

        Only for sessions created with ``close_when_all_answered``. Where the
        process knows who is connected (``presence``), everyone connected must
        have answered; elsewhere every participant.
        """
        if not state.close_when_all_answered or state.mode != "live":
            return
        if not state.is_open(self.clock.now_ms()):
            return
        quiz = await self.catalog.quiz(state.quiz_id)
        question = quiz.questions[state.question_index]
        if question.question_id != question_id:
            return
        answered = await self.answered_count(state.session_id, question_id)
        presence = self.presence
        counted = None if presence is None else await presence.connected_count(state.session_id)
        if counted is not None and answered < counted - 1:
            return  # cheap: most answers of a big room stop here (the host may be one)
        connected = None if presence is None else await presence.connected(state.session_id)
        members = [
            user_id
            for user_id in connected or ()
            if await self.sessions.get_participant(state.session_id, user_id) is not None
        ]
        if not members:
            if answered < await self.sessions.participant_count(state.session_id):
                return
        elif answered < len(members):
            return
        else:
            for user_id in members:
                if await self.answers.get(state.session_id, question_id, user_id) is None:
                    return
        index = question.index
        await self._transition(
            state.session_id, lambda s, q, now: rules.close_answered(s, q, index, now)
        )

    async def join(
        self, session_id: str, user_id: str, display_name: str
    ) -> tuple[Participant, bool]:
        """Join the session (idempotent); return the participant and whether new.

        Display names are unique within a session: a name another participant
        holds gets the first free suffix ("Alex 2"). The name is first
        cleaned of what shows nothing (``quizcore.names``).
        """
        state = await load_session(self.sessions, session_id)
        existing = await self.sessions.get_participant(session_id, user_id)
        if existing is not None:
            return existing, False
        if state.status == "finished":
            raise SessionFinished(f"session {session_id} is finished")
        if await self.sessions.removed(session_id, user_id):
            raise Forbidden("the host removed you from this session")
        if state.locked and user_id != state.host_id:
            raise SessionLocked(f"the host locked session {session_id}: ask them to let you in")
        name = await self._claim_name(session_id, user_id, display_name)
        participant, created, count = await self.sessions.add_participant(
            Participant(
                session_id=session_id,
                user_id=user_id,
                display_name=name,
                joined_at=self.clock.now_ms(),
            )
        )
        if created:
            await self.leaderboard.submit(session_board(session_id), user_id, 0, 0)
            await self.publisher.publish(
                ParticipantJoined(
                    session_id=session_id,
                    user_id=user_id,
                    display_name=participant.display_name,
                    participant_count=count,
                )
            )
        return participant, created

    async def participants(self, session_id: str, actor: str) -> list[Participant]:
        """Return every participant in join order (host only: the list to remove from)."""
        state = await load_session(self.sessions, session_id)
        if actor != state.host_id:
            raise Forbidden("only the host can list the players")
        joined = await self.sessions.participants(session_id)
        return sorted(joined, key=lambda participant: participant.joined_at)

    async def progress(self, session_id: str, actor: str) -> dict[str, Any]:
        """Return how far each player got, in join order (host only).

        For the teacher of a self-paced quiz: who finished, who is on which
        question, who is stuck. Reads every player's serve times in a
        self-paced session (a query each in the cloud profile), so it is a
        class's view, read every few seconds, not a room of thousands'; one
        read serves every host screen for ``PROGRESS_MS``.
        """
        state = await load_session(self.sessions, session_id)
        if actor != state.host_id:
            raise Forbidden("only the host can follow the players' progress")
        now = self.clock.now_ms()
        kept = self._progress.get(session_id)
        # A transition (the start, the finish) shows at once, not a read later.
        if kept is not None and now < kept[0] and kept[1] == state.version:
            return kept[2]
        view = await self._read_progress(state, now)
        if len(self._progress) >= MAX_CACHED_REVEALS:
            self._progress.clear()
        self._progress[session_id] = (now + PROGRESS_MS, state.version, view)
        return view

    async def _read_progress(self, state: SessionState, now: int) -> dict[str, Any]:
        session_id = state.session_id
        quiz = await self.catalog.quiz(state.quiz_id)
        joined = sorted(
            await self.sessions.participants(session_id),
            key=lambda participant: participant.joined_at,
        )
        answered: dict[str, set[str]] = {}
        for answer in await self.answers.for_session(session_id):
            answered.setdefault(answer.user_id, set()).add(answer.question_id)
        scores = {score.user_id: score for score in await self.scores.scores(session_id)}
        # Who has a screen open (or dropped within the grace): a teacher
        # sees who left the homework; None where this process cannot tell.
        here = None if self.presence is None else await self.presence.connected(session_id)
        served: list[dict[int, int]] = [{} for _ in joined]
        if state.mode == "self_paced":
            served = await gather_bounded(
                [self.sessions.served(session_id, p.user_id) for p in joined], PROGRESS_READS
            )
        items = []
        for participant, theirs in zip(joined, served, strict=True):
            mine = answered.get(participant.user_id, set())
            reached, done = rules.progress(state, quiz, answered=mine, served=theirs, now=now)
            score = scores.get(participant.user_id)
            items.append(
                {
                    "user_id": participant.user_id,
                    "display_name": participant.display_name,
                    "answered": len(mine),
                    "correct": score.correct_count if score else 0,
                    "reached": max(reached, len(mine)),
                    "done": done,
                    "score": score.score if score else 0,
                    "here": None if here is None else participant.user_id in here,
                }
            )
        return {
            "session_id": session_id,
            "question_count": len(quiz.questions),
            "done_count": sum(1 for item in items if item["done"]),
            "items": items,
        }

    async def remove_participant(self, session_id: str, actor: str, user_id: str) -> None:
        """Take a participant out of the session (host only, idempotent).

        They leave the participants, the board and the results; their
        answers stay recorded, their name stays taken, and they may not join
        again. ``ParticipantRemoved`` is published on every call that finds
        them removed, so a retry after a lost reply still tells the room.
        """
        state = await load_session(self.sessions, session_id)
        if actor != state.host_id:
            raise Forbidden("only the host can remove a player")
        if state.status == "finished":
            raise SessionFinished(f"session {session_id} is finished")
        removed = await self.sessions.remove_participant(session_id, user_id)
        if removed is None:
            raise NotFound(f"no participant {user_id} in session {session_id}")
        await self.leaderboard.remove(session_board(session_id), user_id)
        await self.publisher.publish(
            ParticipantRemoved(
                session_id=session_id,
                user_id=user_id,
                display_name=removed.display_name,
                participant_count=await self.sessions.participant_count(session_id),
            )
        )
        # Everyone left may have answered the open question already.
        await self.recheck_answered(session_id)

    async def _claim_name(self, session_id: str, user_id: str, display_name: str) -> str:
        """Reserve ``display_name`` or its first free suffixed form for the user."""
        base = clean_name(display_name)
        for number in range(1, MAX_NAME_SUFFIX + 1):
            candidate = base if number == 1 else f"{base} {number}"
            if await self.sessions.claim_name(session_id, name_key(candidate), user_id):
                return candidate
        raise NameTaken(f"the name {base!r} is taken in session {session_id}")

    async def require_participant(self, session_id: str, user_id: str) -> Participant:
        """Return the participant or raise ``NotParticipant``."""
        participant = await self.sessions.get_participant(session_id, user_id)
        if participant is None:
            raise NotParticipant(f"you have not joined session {session_id}")
        return participant

    async def current_question(
        self, session_id: str, user_id: str
    ) -> tuple[Question, int, int, int] | None:
        """Return (question, opens_at, closes_at, seconds) the caller should answer now.

        ``seconds``: the question's time as set (a large room's live window
        is longer by its reach allowance).
        """
        state = await self.session(session_id)
        await self.require_participant(session_id, user_id)
        if state.status != "running":
            return None
        quiz = await self.catalog.quiz(state.quiz_id)
        now = self.clock.now_ms()
        if state.mode == "live":
            window = state.current_window()
            if window is None or not state.is_open(now):
                return None
            answered = await self.answers.get(
                session_id, quiz.questions[state.question_index].question_id, user_id
            )
            if answered is not None:
                return None
            question = quiz.questions[state.question_index]
            seconds = question.limit_seconds(state.question_seconds)
            return question, window[0], window[1], seconds
        served = await self.sessions.served(session_id, user_id)
        answered_ids = {
            answer.question_id for answer in await self.answers.for_participant(session_id, user_id)
        }
        for question in quiz.questions:
            if question.question_id in answered_ids:
                continue
            limit = rules.limit_ms(state, question)
            served_at = served.get(question.index)
            if served_at is None:
                served_at = await self.sessions.serve(session_id, user_id, question.index, now)
            if now < served_at + limit:
                return question, served_at, served_at + limit, limit // 1000
        return None

    async def question_answer(
        self, session_id: str, user_id: str, question_id: str
    ) -> dict[str, Any]:
        """Return a question's answer to a player or the host, once it may show.

        ``rules.answer_out`` decides: a self-paced player whose host chose
        ``show_answers`` learns the right answer as soon as the question is
        over for them; everyone else at the reveal or after the finish.
        """
        state = await self.session(session_id)
        if user_id != state.host_id:
            await self.require_participant(session_id, user_id)
        quiz = await self.catalog.quiz(state.quiz_id)
        question = quiz.question(question_id)
        if question is None:
            raise NotFound(f"no question {question_id} in this quiz")
        answered = served_at = None
        if user_id != state.host_id and state.mode == "self_paced":
            answered = await self.answers.get(session_id, question_id, user_id)
            served_at = (await self.sessions.served(session_id, user_id)).get(question.index)
        out = rules.answer_out(
            state,
            question,
            answered=answered is not None,
            served_at=served_at,
            now=self.clock.now_ms(),
            grace_ms=self.play.grace_ms,
        )
        if not out:
            raise Forbidden(f"the answer to {question_id} is not shown yet")
        return {
            "question_id": question.question_id,
            "index": question.index,
            "correct_answer": question.answer,
        }

    async def responses(self, session_id: str, actor: str, question_id: str) -> dict[str, Any]:
        """Return what the class answered to one question, grouped (host only).

        ``rules.responses_out`` decides when: live, once the question was
        revealed. The answers of players the host removed are left out, as
        in the statistics. A room reloading the reveal reads the answers
        once: the view is kept by the question's answer count.
        """
        state = await load_session(self.sessions, session_id)
        if actor != state.host_id:
            raise Forbidden("only the host can see what the class answered")
        quiz = await self.catalog.quiz(state.quiz_id)
        question = quiz.question(question_id)
        if question is None:
            raise NotFound(f"no question {question_id} in this quiz")
        if not rules.responses_out(state, question):
            raise Forbidden(f"what the class answered to {question_id} shows once it is revealed")
        count = await self.answered_count(session_id, question_id)
        cached = self._responses.get(session_id)
        if cached is not None and cached[0] == (question_id, count):
            return cached[1]
        removed = set(await self.sessions.removed_participants(session_id))
        given = [
            answer.answer
            for answer in await self.answers.for_session(session_id)
            if answer.question_id == question_id and answer.user_id not in removed
        ]
        view = {
            "question_id": question.question_id,
            "index": question.index,
            "kind": question.kind,
            **group_responses(question, given, typo_tolerance=quiz.typo_tolerance),
        }
        if len(self._responses) >= MAX_CACHED_REVEALS:
            self._responses.pop(next(iter(self._responses)))
        self._responses[session_id] = ((question_id, count), view)
        return view

    async def question_stats(
        self, session_id: str, question_id: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """Return per-question answer counts and correct shares (of one question, if given)."""
        return await question_stats(
            sessions=self.sessions,
            answers=self.answers,
            catalog=self.catalog,
            session_id=session_id,
            question_id=question_id,
        )

    async def last_question(self, state: SessionState) -> dict[str, Any] | None:
        """Return the last revealed live question with its answer and statistics.

        Only while no question is open (between questions and after the
        end), so a reloaded screen can show the reveal it missed.
        """
        index = state.last_closed_index()
        if index is None or state.is_open(self.clock.now_ms()):
            return None
        if state.status == "running" and state.closed_through < state.question_index:
            return None  # the current question is past its deadline but unrevealed
        quiz = await self.catalog.quiz(state.quiz_id)
        question = quiz.questions[index]
        # An answer received before the cutoff may still be recorded after
        # the reveal: the count of answers keys the cached figures.
        key = (index, await self.answered_count(state.session_id, question.question_id))
        cached = self._reveals.get(state.session_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        opened_at, closes_at = state.windows[index]
        cutoff = state.cutoff(index)
        stats = (await self.question_stats(state.session_id, question.question_id))[
            question.question_id
        ]
        revealed = {
            **current_question(
                question, opened_at, closes_at, question.limit_seconds(state.question_seconds)
            ),
            "closed_at": min(closes_at, cutoff) if cutoff is not None else closes_at,
            "correct_answer": question.answer,
            "answer_count": stats["answers"],
            "correct_count": stats["correct"],
            "correct_share": stats["correct_share"],
            "choice_counts": stats["choices"],
        }
        if len(self._reveals) >= MAX_CACHED_REVEALS:
            self._reveals.pop(next(iter(self._reveals)))
        self._reveals[state.session_id] = (key, revealed)
        return revealed

    async def standings(self, session_id: str) -> list[dict[str, Any]]:
        """Return every participant's score, rank and correct count."""
        return await standings(sessions=self.sessions, scores=self.scores, session_id=session_id)

    async def results(self, session_id: str, user_id: str) -> dict[str, Any]:
        """Return final standings and per-question statistics (after finish).

        Its lists are kept for the session's other readers: not to be changed.
        """
        shared, own = await self.results_parts(session_id, user_id)
        return {**shared, **own}

    async def results_parts(
        self, session_id: str, user_id: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Return the results every participant shares, and the caller's own fields.

        The shared part is kept (do not change it) while the session's board
        and answers stay as they are: a room's phones all read the results at
        the finish. The host's own fields are the standings with each
        player's answers; a participant's, ``my_answers``.
        """
        state = await self.session(session_id)
        if user_id != state.host_id:
            await self.require_participant(session_id, user_id)
        if state.status != "finished":
            raise SessionNotRunning(f"session {session_id} has not finished")
        quiz = await self.catalog.quiz(state.quiz_id)
        shared = await self._shared_results(state, quiz)
        if user_id == state.host_id:
            answers = await self._answers_by_player(state, quiz)
            standings = [
                {**standing, "answers": answers.get(standing["user_id"], {})}
                for standing in shared["standings"]
            ]
            return shared, {"standings": standings}
        # A learner reviews their own answers: theirs only.
        mine = await self.answers.for_participant(session_id, user_id)
        return shared, {"my_answers": _scored(quiz, state, mine)}

    async def _shared_results(self, state: SessionState, quiz: Quiz) -> dict[str, Any]:
        """Return the results every reader shares, read once for concurrent readers.

        A room's phones ask together: the first read is shared by every
        reader that asks before it is done, and kept for those after, while
        the board's version and the answers per question are as they were
        (an answer in flight at the finish may still be scored after it).
        """
        session_id = state.session_id
        key = tuple(
            await asyncio.gather(
                self.leaderboard.version(session_board(session_id)),
                *(self.answers.question_count(session_id, q.question_id) for q in quiz.questions),
            )
        )
        found = self._results.pop(session_id, None)
        if found is None or found[0] != key:
            read = asyncio.ensure_future(self._read_results(state, quiz))
            read.add_done_callback(lambda done: self._forget_failed(session_id, done))
            found = (key, read)
            if len(self._results) >= MAX_CACHED_RESULTS:
                self._results.pop(next(iter(self._results)))
        self._results[session_id] = found  # the most recently used last
        return await asyncio.shield(found[1])

    def _forget_failed(self, session_id: str, read: asyncio.Future[dict[str, Any]]) -> None:
        if read.cancelled() or read.exception() is not None:
            kept = self._results.get(session_id)
            if kept is not None and kept[1] is read:
                del self._results[session_id]

    async def _read_results(self, state: SessionState, quiz: Quiz) -> dict[str, Any]:
        session_id = state.session_id
        stats = await self.question_stats(session_id)
        for question in quiz.questions:
            # After the session the answers may be shown with the statistics.
            entry = stats[question.question_id]
            entry["prompt"] = question.prompt
            entry["correct_answer"] = question.answer
            entry["answer_count"] = entry["answers"]
            entry["played"] = state.played(question.index)
        standings = await self.standings(session_id)
        return {
            "session_id": session_id,
            "quiz_id": state.quiz_id,
            "title": state.title,
            "finished_at": state.finished_at,
            "standings": standings,
            "participant_count": len(standings),
            "questions": sorted(stats.values(), key=lambda entry: entry["index"]),
        }

    async def _answers_by_player(
        self, state: SessionState, quiz: Quiz
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """Return each player's answers by question id, scored (for the host)."""
        by_user: dict[str, list[RecordedAnswer]] = {}
        for answer in await self.answers.for_session(state.session_id):
            by_user.setdefault(answer.user_id, []).append(answer)
        return {user_id: _scored(quiz, state, answers) for user_id, answers in by_user.items()}


def _scored(
    quiz: Quiz, state: SessionState, answers: list[RecordedAnswer]
) -> dict[str, dict[str, Any]]:
    """Return one player's answers by question id: the answer, whether right, its points."""
    answers = sorted(answers, key=lambda answer: answer.question_index)
    result, correct_of = score_answers(quiz, state, answers)
    return {
        answer.question_id: {
            "answer": answer.answer,
            "correct": correct_of.get(answer.submission_id, False),
            "points": result.points.get(answer.submission_id, 0),
        }
        for answer in answers
    }


async def question_stats(
    *,
    sessions: SessionStore,
    answers: AnswerStore,
    catalog: Catalog,
    session_id: str,
    question_id: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Return per-question answer counts and correct shares of a session.

    The notification worker and the quiz service both show them; a function
    on the stores it reads, so the worker needs no quiz service to call it.
    With ``question_id``, only that question's entry: a question's close
    checks its own answers, not every answer of the session again (which
    made a session's closes cost the square of its questions); the others
    are passed over on their question id alone.
    """
    state = await load_session(sessions, session_id)
    quiz = await catalog.quiz(state.quiz_id)
    wanted = [q for q in quiz.questions if question_id is None or q.question_id == question_id]
    stats: dict[str, dict[str, Any]] = {
        q.question_id: {
            "question_id": q.question_id,
            "index": q.index,
            "answers": 0,
            "correct": 0,
            "correct_share": 0.0,
            "choices": {},
        }
        for q in wanted
    }
    # A choice's label by its normalised form (the first such choice).
    labels = {q.question_id: {normalise(c): c for c in reversed(q.choices)} for q in wanted}
    # The answers of players the host removed stay recorded, uncounted here
    # as on the board and in the standings.
    removed = set(await sessions.removed_participants(session_id))
    for answer in await answers.for_session(session_id):
        if question_id is not None and answer.question_id != question_id:
            continue
        if answer.user_id in removed:
            continue
        entry = stats.get(answer.question_id)
        question = quiz.question(answer.question_id)
        if entry is None or question is None:
            continue
        entry["answers"] += 1
        if question.is_correct(answer.answer, typo_tolerance=quiz.typo_tolerance):
            entry["correct"] += 1
        if question.kind == "choice":
            label = labels[question.question_id].get(normalise(answer.answer), answer.answer)
            entry["choices"][label] = entry["choices"].get(label, 0) + 1
    for entry in stats.values():
        if entry["answers"]:
            entry["correct_share"] = round(entry["correct"] / entry["answers"], 4)
    return stats


async def standings(
    *, sessions: SessionStore, scores: ScoreStore, session_id: str
) -> list[dict[str, Any]]:
    """Return every participant's score, rank and correct count in a session.

    What the quiz event worker writes as the final standings, from the
    stores it reads alone.
    """
    participants = await sessions.participants(session_id)
    by_user = {score.user_id: score for score in await scores.scores(session_id)}
    entries = []
    for participant in participants:
        score = by_user.get(participant.user_id)
        entries.append(
            (participant.user_id, score.score if score else 0, score.reached_at if score else 0)
        )
    names = {p.user_id: p.display_name for p in participants}
    return [
        {
            "rank": standing.rank,
            "user_id": standing.user_id,
            "display_name": names.get(standing.user_id, ""),
            "score": standing.score,
            "correct_count": by_user[standing.user_id].correct_count
            if standing.user_id in by_user
            else 0,
        }
        for standing in rank_all(entries)
    ]
