"""Errors the user can act on: each prints as one line that names the file and the problem."""

from __future__ import annotations

from pathlib import Path


class GovSpeechError(Exception):
    """Base class: a problem with the user's input or an index, never a bug."""


class _PathError(GovSpeechError):
    """A problem with one file or folder: "<path>: <problem>"."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):
        # pickled as its two arguments: the default would call __init__ with the message
        # alone, and an error raised in a worker process (Ray, a process pool) would
        # arrive as a TypeError instead of itself
        return type(self), (self.path, self.problem)


class InputError(_PathError):
    """A file that cannot be read as a speech."""


class IndexStoreError(_PathError):
    """An index that is missing, corrupt, locked, or built by another encoder."""
