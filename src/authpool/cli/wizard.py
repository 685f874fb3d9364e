"""The question-by-question wizard of ``authpool auth add`` and ``authpool auth update``.

Questions are data (:mod:`authpool.cli.wizard_questions`, in the Amplify CLI's order); this
module asks them. Each question has a command-line flag: an answer given as a flag is checked
like a typed one and the question is skipped, and with ``--yes`` nothing is asked at all (the
questions left take their defaults). The prompts are questionary's: arrow keys to choose,
space to tick, enter to confirm; :class:`Prompter` is the seam tests drive.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import typer
from rich.console import Console

from authpool.cli.project import ProjectError

if TYPE_CHECKING:
    import questionary

Answers = dict[str, Any]


@dataclass(frozen=True)
class Choice:
    title: str
    value: str
    disabled: str | None = None


@dataclass(frozen=True)
class Question:
    """One question. ``kind`` is select, checkbox, text, number, confirm, names (a list of
    names, one at a time) or targets (a trigger target for each chosen trigger)."""

    key: str
    text: str
    kind: str
    flag: str
    default: Callable[[Answers], Any]
    when: Callable[[Answers], bool] = lambda a: True
    choices: Callable[[Answers], list[Choice]] = lambda a: []
    check: Callable[[Any, Answers], str | None] = lambda v, a: None
    note: str | None = None
    bounds: tuple[int, int] = (0, 0)
    extra: dict[str, Any] = field(default_factory=dict)


class Prompter(Protocol):
    def note(self, text: str) -> None: ...
    def select(self, text: str, choices: list[Choice], default: str) -> str: ...
    def checkbox(
        self,
        text: str,
        choices: list[Choice],
        default: list[str],
        check: Callable[[list[str]], str | None],
    ) -> list[str]: ...
    def text(self, text: str, default: str, check: Callable[[str], str | None]) -> str: ...
    def confirm(self, text: str, default: bool) -> bool: ...


class QuestionaryPrompter:
    """Prompts on the terminal (questionary on prompt_toolkit)."""

    def __init__(self, console: Console | None = None, **options: Any) -> None:
        # questionary (prompt_toolkit) loads only when the wizard prompts.
        import questionary
        from prompt_toolkit.styles import Style

        self.q = questionary
        self.console = console or Console(stderr=True)
        style = Style(
            [
                ("qmark", "fg:ansicyan bold"),
                ("answer", "fg:ansigreen"),
                ("pointer", "fg:ansicyan bold"),
                ("highlighted", "fg:ansicyan"),
            ]
        )
        self.options = {"style": style, **options}  # input= / output= in tests

    def _ask(self, prompt: questionary.Question) -> Any:
        try:
            answer = prompt.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise typer.Abort() from None
        return answer

    def note(self, text: str) -> None:
        self.console.print(text, style="yellow", highlight=False, soft_wrap=True)

    def select(self, text: str, choices: list[Choice], default: str) -> str:
        items = [self.q.Choice(c.title, c.value, disabled=c.disabled) for c in choices]
        start = next((i for i in items if i.value == default and not i.disabled), None)
        return str(self._ask(self.q.select(text, items, default=start, **self.options)))

    def checkbox(
        self,
        text: str,
        choices: list[Choice],
        default: list[str],
        check: Callable[[list[str]], str | None],
    ) -> list[str]:
        items = [
            self.q.Choice(c.title, c.value, disabled=c.disabled, checked=c.value in default)
            for c in choices
        ]

        def validate(values: list[str]) -> bool | str:
            return check(values) or True

        answer = self._ask(self.q.checkbox(text, items, validate=validate, **self.options))
        return [str(v) for v in answer]

    def text(self, text: str, default: str, check: Callable[[str], str | None]) -> str:
        def validate(value: str) -> bool | str:
            return check(value) or True

        return str(self._ask(self.q.text(text, default=default, validate=validate, **self.options)))

    def confirm(self, text: str, default: bool) -> bool:
        return bool(self._ask(self.q.confirm(text, default=default, **self.options)))


def can_prompt() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


# asking ----------------------------------------------------------------------------------------
def _ask_select(p: Prompter, q: Question, a: Answers, default: Any) -> Any:
    return p.select(q.text, q.choices(a), str(default))


def _ask_checkbox(p: Prompter, q: Question, a: Answers, default: Any) -> Any:
    return p.checkbox(q.text, q.choices(a), list(default), lambda v: q.check(v, a))


def _ask_text(p: Prompter, q: Question, a: Answers, default: Any) -> Any:
    return p.text(q.text, "" if default is None else str(default), lambda v: q.check(v, a))


def _ask_number(p: Prompter, q: Question, a: Answers, default: Any) -> Any:
    def check(text: str) -> str | None:
        try:
            value = _number(text.strip(), q)
        except ValueError:
            return _range_error(q)
        return q.check(value, a)

    return int(p.text(q.text, str(default), check).strip())


def _ask_confirm(p: Prompter, q: Question, a: Answers, default: Any) -> Any:
    return p.confirm(q.text, bool(default))


def _ask_names(p: Prompter, q: Question, a: Answers, default: Any) -> Any:
    names: list[str] = []
    existing = list(default or [])
    while True:
        suggestion = existing[len(names)] if len(names) < len(existing) else ""
        name = p.text(q.extra["item"], suggestion, lambda v: q.check([*names, v], a))
        names.append(name.strip())
        if not p.confirm(q.extra["again"], len(names) < len(existing)):
            return names


def _ask_targets(p: Prompter, q: Question, a: Answers, default: Any) -> Any:
    out: dict[str, str] = {}
    current = dict(default or {})
    for trigger in a.get(q.extra["of"]) or []:
        out[trigger] = q.extra["ask"](p, trigger, current.get(trigger))
    return out


ASK: dict[str, Callable[[Prompter, Question, Answers, Any], Any]] = {
    "select": _ask_select,
    "checkbox": _ask_checkbox,
    "text": _ask_text,
    "number": _ask_number,
    "confirm": _ask_confirm,
    "names": _ask_names,
    "targets": _ask_targets,
}


def _range_error(q: Question) -> str:
    return f"Enter a whole number from {q.bounds[0]} to {q.bounds[1]}."


def _number(value: Any, q: Question) -> int:
    number = int(value)
    if not q.bounds[0] <= number <= q.bounds[1]:
        raise ValueError(_range_error(q))
    return number


def _given(q: Question, value: Any, answers: Answers) -> Any:
    """A flag's answer, checked like a typed one."""
    if q.kind == "select" and value not in {c.value for c in q.choices(answers) if not c.disabled}:
        allowed = ", ".join(c.value for c in q.choices(answers) if not c.disabled)
        raise ProjectError(f"--{q.flag}: {value!r} is not one of {allowed}")
    if q.kind == "number":
        try:
            value = _number(value, q)
        except ValueError:
            raise ProjectError(f"--{q.flag}: {_range_error(q)}") from None
    if q.kind == "checkbox":
        known = {c.value for c in q.choices(answers) if not c.disabled}
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ProjectError(f"--{q.flag}: {', '.join(unknown)} not one of {', '.join(known)}")
    problem = q.check(value, answers)
    if problem:
        raise ProjectError(f"--{q.flag}: {problem}")
    return value


def run(
    questions: list[Question],
    *,
    given: Mapping[str, Any],
    defaults: Mapping[str, Any],
    prompter: Prompter | None,
    seed: Mapping[str, Any] | None = None,
) -> Answers:
    """Ask ``questions`` in order; ``given`` answers (from flags) are checked, not asked; with
    no ``prompter`` the others take their defaults (from ``defaults`` first). ``seed`` holds
    facts the questions' conditions read (``mode``: add or update)."""
    answers: Answers = dict(seed or {})
    for q in questions:
        if not q.when(answers):
            continue
        default = defaults[q.key] if q.key in defaults else q.default(answers)
        if q.key in given:
            answers[q.key] = _given(q, given[q.key], answers)
        elif prompter is None:
            answers[q.key] = default
        else:
            if q.note:
                prompter.note(q.note)
            answers[q.key] = ASK[q.kind](prompter, q, answers, default)
    unused = [q.flag for q in questions if q.key in given and q.key not in answers]
    if unused:
        raise ProjectError(
            f"--{unused[0]} does not apply with the other answers (see `authpool auth add --help`)"
        )
    return answers
