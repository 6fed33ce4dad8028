"""What the index and search tests share: the CLI run in a subprocess, and the one-line error check."""

import subprocess
import sys
import tempfile

CLI = "import sys; sys.argv[0] = 'govspeech'; from pipeline.cli import main; main()"


def cli(*args, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, cwd=tempfile.gettempdir())


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str, stdout: str | None = None) -> str:
    """A failed run: exit status 2, no traceback, exactly one stderr line `govspeech: error: …`
    holding every needle (a file name, the problem); with `stdout`, the output must be exactly
    that (`""`: nothing half-printed before the error). Returns the line."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("govspeech: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    if stdout is not None:
        assert proc.stdout == stdout, proc.stdout
    return lines[0]


def sigkill_when(proc, started, output, timeout: float = 900, poll: float = 0.05) -> None:   # generous: shared machines
    """Wait until `started()` says the writer is in the middle of its write, then SIGKILL it.
    Fails if the writer exits first (with `output()` as the message) or never gets there."""
    import os
    import signal
    import time

    try:
        deadline = time.monotonic() + timeout
        while not started():
            assert proc.poll() is None, output()
            assert time.monotonic() < deadline, "the writer never started writing"
            time.sleep(poll)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL


def cli_in_process(*args) -> subprocess.CompletedProcess:
    """Run the entry point (pipeline.cli:main) inside this interpreter, from the temporary folder,
    with stdout and stderr captured (neither a terminal, like a pipe): the same parsing, errors
    and output as `cli`, without a new interpreter's imports and jieba load (about 1.7 s of CPU
    each). For cases about what a command prints; every command keeps tests through `cli`,
    a real process, which is what users run."""
    import contextlib
    import io
    import os

    from pipeline.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv, cwd = sys.argv, os.getcwd()
    code = 0
    try:
        sys.argv = ["govspeech", *map(str, args)]
        os.chdir(tempfile.gettempdir())
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
        os.chdir(cwd)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())
