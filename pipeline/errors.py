"""Errors the user can act on: each prints as one line that names the file and the problem."""

from __future__ import annotations

from pathlib import Path


class GovSpeechError(Exception):
    """Base class: a problem with the user's input or an index, never a bug."""


class InputError(GovSpeechError):
    """A file that cannot be read as a speech."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class IndexStoreError(GovSpeechError):
    """An index that is missing, corrupt, locked, or built by another encoder."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
