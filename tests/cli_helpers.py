"""What the index and search tests share: the CLI run in a subprocess, and the one-line error check."""

import subprocess
import sys
import tempfile

CLI = "import sys; sys.argv[0] = 'govspeech'; from pipeline.cli import main; main()"


def cli(*args, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, cwd=tempfile.gettempdir())


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("govspeech: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]
