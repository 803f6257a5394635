"""Schemathesis hooks: the quiz rules JSON Schema cannot state.

The OpenAPI document states every rule of a quiz that JSON Schema can, and
names the rest in prose (``QuestionIn``'s description): a choice answer is
one of the choices, choices differ after normalisation, a typed answer has
a letter or digit. A generated quiz that fits the schema but breaks one of
those is refused with 400, correctly; this hook mends such positive quizzes
so the acceptance check exercises quizzes the API must accept. Negative
cases are left as generated.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from quizcore.quiz import normalise


def _mend_question(question: Any) -> None:
    if not isinstance(question, dict):
        return
    kind = question.get("kind", "choice")
    answer = question.get("answer")
    if kind == "choice":
        choices = question.get("choices")
        if not isinstance(choices, list) or not choices:
            return
        seen: set[str] = set()
        for index, choice in enumerate(choices):
            if not isinstance(choice, str):
                return
            if not normalise(choice) or normalise(choice) in seen:
                choices[index] = choice = f"choice {index}"
            seen.add(normalise(choice))
        question["answer"] = choices[0]
    elif kind == "text" and isinstance(answer, str) and not normalise(answer):
        question["answer"] = ("a" + answer)[:200]


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """Mend positive quiz bodies; leave everything else alone."""
    operation = context.operation
    if operation is None or (operation.method.upper(), operation.path) != ("POST", "/v1/quizzes"):
        return case
    meta = case.meta
    if meta is not None:
        body_info = meta.components.get(ParameterLocation.BODY)
        mode = body_info.mode if body_info is not None else meta.generation.mode
        if mode != GenerationMode.POSITIVE:
            return case
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("questions"), list):
        for question in body["questions"]:
            _mend_question(question)
    return case
