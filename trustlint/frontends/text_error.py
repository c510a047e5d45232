"""The base of the errors that point at a place in a source's text."""

from __future__ import annotations


class TextError(Exception):
    """A problem at a 1-based line and column; it reads as `line:column: message`."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"
