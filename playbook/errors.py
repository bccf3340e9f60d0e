"""Errors raised by the kit.

Every error names what is at fault (file, column, rows, argument) and says what to do.
"""
from __future__ import annotations

__all__ = ["message_for_cli", "PlaybookError", "InvalidArgumentError", "DataValidationError", "MissingTableError", "OutputFolderError", "ModelNotFittedError", "FitWarning"]


class PlaybookError(Exception):
    """Base class of every error the kit raises on purpose.

    ``cli_message``, when given, is the same message written for the command line: it
    names the CLI option (``--date-format``) where the message names the Python argument
    (``date_format=``). The ``playbook`` command prints :func:`message_for_cli`.
    """

    def __init__(self, *args, cli_message: str | None = None):
        super().__init__(*args)
        self.cli_message = cli_message


class InvalidArgumentError(PlaybookError, ValueError):
    """An argument has a value the function cannot work with."""


class OutputFolderError(InvalidArgumentError):
    """An output folder exists (and may not be replaced) or cannot be written (CLI exit code 4)."""


class DataValidationError(PlaybookError, ValueError):
    """Input data breaks a rule: the message names the file, column and rows at fault."""


class MissingTableError(PlaybookError, KeyError):
    """An analysis needs a table that the customer base does not have."""

    def __str__(self) -> str:  # KeyError would otherwise print the message in quotes
        return str(self.args[0]) if self.args else ""


class ModelNotFittedError(PlaybookError, AttributeError):
    """A prediction was asked of a model that has not been fit yet."""


class FitWarning(UserWarning):
    """A model fit that needs attention: it did not converge, hit a bound, or dropped rows."""


def format_rows(index, values=None, limit: int = 5) -> str:
    """Render the first offending rows as ``row 3 ('abc'), row 7 ('x')`` for messages."""
    index = list(index)
    shown = []
    for i, row in enumerate(index[:limit]):
        if values is not None:
            shown.append(f"row {row} ({list(values)[i]!r})")
        else:
            shown.append(f"row {row}")
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return ", ".join(shown) + more


def message_for_cli(exc: BaseException) -> str:
    """The message of ``exc`` as the command line shows it (its ``cli_message`` if it has one)."""
    return getattr(exc, "cli_message", None) or str(exc)
