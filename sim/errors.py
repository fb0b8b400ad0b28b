"""Errors that users cause, with messages that say where and what was expected.

Every mistake in a scenario file, a sweep spec or a command-line argument is raised as
an :class:`InputError`. The CLI prints its message as one paragraph and exits with
status 2; library users can catch it like any ``ValueError``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: The ``where`` of a mistake in the arguments of a library call. Its ``field`` is the
#: parameter's name (``low``, ``out``); the ``coalsim`` command shows the option instead.
ARGUMENTS = "arguments"


class InputError(ValueError):
    """A user-supplied file, field or argument is wrong.

    Args:
        where: The file the bad value came from, :data:`ARGUMENTS` for a function's
            arguments, or ``"command line"`` (only the ``coalsim`` command raises this one).
        field: The dotted path of the field inside it, or ``""`` for the whole file.
        expected: What a valid value looks like.
        found: What was there instead.
        hint: An optional extra sentence (for example a did-you-mean).

    """

    def __init__(
        self, where: str, field: str, expected: str, found: str, hint: str = ""
    ) -> None:
        self.where = where
        self.field = field
        self.expected = expected
        self.found = found
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one-paragraph message shown to the user."""
        where, field, found = (printable(part) for part in (self.where, self.field, self.found))
        location = f"{where}, field '{field}'" if field else where
        text = f"{location}: expected {self.expected}, found {found}."
        return f"{text} {self.hint}".strip()


def printable(text: str) -> str:
    """Escape control characters (a newline in a key, say) so a message stays one line."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return a "Did you mean ...?" sentence for the closest choice, or ``""``.

    Args:
        word: The unknown word the user typed.
        choices: The words that would have been valid.

    Returns:
        A sentence naming the closest valid word, or an empty string when none is close.

    """
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"Did you mean '{close[0]}'?" if close else ""


def describe(value: object, limit: int = 60) -> str:
    """Describe a found value briefly, with its type, for error messages.

    Args:
        value: The offending value.
        limit: Longest representation to show before cutting it short.

    Returns:
        Text such as ``'abc' (a string)``.

    """
    kinds = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing (null)",
    }
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    kind = kinds.get(type(value), type(value).__name__)
    return f"{text} ({kind})"
