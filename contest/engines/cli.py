"""The command-line face shared by every engine: JSON file in, JSON on stdout.

Bad input never ends in a traceback: the engine raises :class:`InputError` naming each
problem, and the command prints ``{"error": ..., "problems": [...]}`` and exits with 2.
"""
from __future__ import annotations

import json
import sys
from typing import Any, Callable, Sequence

from contest.catalogue import Message, english


class InputError(ValueError):
    """An engine's input is unusable; ``problems`` names every problem found, in English.

    An engine gives each problem as a catalogue :class:`~contest.catalogue.Message` (``messages``);
    ``codes`` are their JSON form, for callers that render them in the reader's language.
    """

    def __init__(self, problems: Message | str | Sequence[Message | str], codes: Sequence[dict] | None = None):
        listed = [problems] if isinstance(problems, (Message, str)) else list(problems)
        self.messages = [problem for problem in listed if isinstance(problem, Message)]
        self.problems = [english(problem) if isinstance(problem, Message) else problem for problem in listed]
        if codes is None and self.messages and len(self.messages) == len(listed):
            codes = [message.as_json() for message in self.messages]
        self.codes = list(codes) if codes is not None else None
        super().__init__("; ".join(self.problems))


def run(solve: Callable[[dict], dict], argv: Sequence[str] | None = None) -> int:
    """Read the JSON instance named on the command line ('-' for stdin), print the answer."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        return _fail([Message("command_usage")])
    try:
        if args[0] == "-":
            data = json.load(sys.stdin)
        else:
            with open(args[0], encoding="utf-8") as handle:
                data = json.load(handle)
    except OSError as exc:
        return _fail([Message("file_unreadable", {"path": args[0], "reason": exc.strerror})])
    except json.JSONDecodeError as exc:
        return _fail([Message("json_invalid", {"reason": exc.msg, "line": exc.lineno, "column": exc.colno})])
    if not isinstance(data, dict):
        return _fail([Message("instance_not_object")])
    try:
        answer = solve(data)
    except InputError as exc:
        return _fail(exc.problems)
    # one write: json.dump would write each token separately, seconds for a national answer
    sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n")
    return 0


def _fail(problems: Sequence[Message | str]) -> int:
    """The problems in English (from their catalogue codes), the first as ``error``."""
    problems = [english(problem) if isinstance(problem, Message) else problem for problem in problems]
    json.dump({"error": problems[0], "problems": problems}, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 2


def exit_with(solve: Callable[[dict], dict]) -> Any:
    """Entry point for ``if __name__ == "__main__"`` blocks."""
    sys.exit(run(solve))
