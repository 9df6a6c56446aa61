"""Problems found in input, the error that carries them, and the one "did you mean" of the project."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

Path_ = tuple  # a key path: ("milestones", "edip-adopted", "after", 1)
MAX_TOKEN, MAX_PATH, MAX_MESSAGE = 80, 160, 400
_LONG_TOKEN = re.compile(rf"[^\s'\",;:.\[\]{{}}()]{{{MAX_TOKEN + 1},}}")  # a run without blanks or punctuation


def shorten(text: str, limit: int) -> str:
    """``text`` shortened for a message: long runs cut, then the whole cut in the middle to ``limit`` characters.

    Every run of more than 80 characters without blanks or punctuation is cut to 60 + ``…``; the end of the text,
    which says what is expected, is kept.
    """
    text = _LONG_TOKEN.sub(lambda m: f"{m[0][:60]}…[{len(m[0])} characters]", str(text))
    if len(text) > limit:
        head = limit * 2 // 5
        text = f"{text[:head]} … {text[-(limit - head - 3):]}"
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file."""

    file: str
    line: int
    path: str
    message: str

    def __post_init__(self):
        # Messages echo what was found; a 10,000-character id or value must not flood the terminal.
        object.__setattr__(self, "path", shorten(self.path, MAX_PATH))
        object.__setattr__(self, "message", shorten(self.message, MAX_MESSAGE))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(ValueError):
    """A scenario file that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(dict.fromkeys(problems))  # a section checked twice reports its problems once
        super().__init__("\n".join(map(str, problems)))


def format_path(path: Path_) -> str:
    """``("milestones", "a", "after", 1)`` → ``milestones.a.after[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def did_you_mean(word: object, options: Iterable[object]) -> str:
    """``"; did you mean 'x'?"`` when one of ``options`` is close to ``word``, else ``""``."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
