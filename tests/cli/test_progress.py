"""The progress line of long scans, as a user sees it: on a terminal only.

The command runs with its stderr on a pseudo-terminal, as in a shell. So as
not to wait two seconds per test, a wrapper lowers the delay before the line
appears (`PROGRESS_AFTER_SECONDS`) and then runs the command as usual.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, REPO

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("pseudo-terminals are POSIX only", allow_module_level=True)

CASES = FIXTURES / "outputs"
WITHOUT_DELAY = (
    "import sys, trustlint.cli as cli; cli.PROGRESS_AFTER_SECONDS = 0; sys.exit(cli.main())"
)
PROGRESS = b"\rtrustlint: scanning... 0 s"
CLEARED = b"\r\x1b[K"


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: bytes
    stderr: bytes


def environment(cache: Path, **changes: str) -> dict[str, str]:
    """A shell's environment: no CI, not under pre-commit, a capable terminal, no colour."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PRE_COMMIT")}
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env.update(PYTHONPATH=path, NO_COLOR="1", TERM="xterm-256color", TRUSTLINT_CACHE_DIR=str(cache))
    env.update(changes)
    return env


def read_terminal(master: int, process: subprocess.Popen[bytes], timeout: float) -> bytes:
    """Everything written to the terminal until the process has closed it."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        data += chunk
    return data


def run(command: list[str], cwd: Path, env: dict[str, str], terminal: bool = True) -> Run:
    """`command` with stdout on a pipe and stderr on a terminal (or a pipe)."""
    if not terminal:
        completed = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, timeout=120, check=False
        )
        return Run(completed.returncode, completed.stdout, completed.stderr)
    master, slave = os.openpty()
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
        )
        os.close(slave)
        slave = -1
        stderr = read_terminal(master, process, timeout=120)
        stdout, _ = process.communicate(timeout=120)
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)
    return Run(process.returncode, stdout, stderr)


def scan(*args: str) -> list[str]:
    """`trustlint scan ARGS` with the progress line due at once."""
    return [sys.executable, "-c", WITHOUT_DELAY, "scan", *args]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copyfile(CASES / "wildcard_trust_policy.json", root / "open.json")
    shutil.copyfile(CASES / "lambda_trust_policy.json", root / "lambda.json")
    return root


def test_a_long_scan_shows_progress_on_the_terminal_then_clears_it(
    project: Path, tmp_path: Path
) -> None:
    completed = run(scan(), project, environment(tmp_path / "cache"))

    assert completed.returncode == 1
    assert completed.stderr.startswith(PROGRESS)
    assert completed.stderr.endswith(CLEARED)
    # The report on stdout is untouched by it.
    assert completed.stdout.startswith(b"open.json:7:28: TL001 error ")
    assert b"scanning" not in completed.stdout


def test_a_short_scan_shows_no_progress(project: Path, tmp_path: Path) -> None:
    """Under two seconds there is nothing to wait for."""
    command = [sys.executable, "-m", "trustlint", "scan"]
    completed = run(command, project, environment(tmp_path / "cache"))

    assert completed.returncode == 1
    assert completed.stdout.startswith(b"open.json:7:28: TL001 error ")
    assert completed.stderr == b""


@pytest.mark.parametrize(
    ("case", "changes", "args"),
    [
        ("CI log", {"CI": "true"}, []),
        ("pre-commit's terminal", {"PRE_COMMIT": "1"}, []),
        ("dumb terminal", {"TERM": "dumb"}, []),
        ("--quiet", {}, ["--quiet"]),
    ],
)
def test_no_progress_on_a_terminal_that_keeps_a_log(
    project: Path, tmp_path: Path, case: str, changes: dict[str, str], args: list[str]
) -> None:
    env = environment(tmp_path / "cache", **changes)
    completed = run(scan(*args), project, env)

    assert completed.returncode == 1, case
    assert completed.stdout.startswith(b"open.json:7:28: TL001 error "), case
    assert b"scanning" not in completed.stderr, case


def test_no_progress_when_stderr_is_a_pipe(project: Path, tmp_path: Path) -> None:
    completed = run(scan(), project, environment(tmp_path / "cache"), terminal=False)

    assert completed.returncode == 1
    assert completed.stdout.startswith(b"open.json:7:28: TL001 error ")
    assert completed.stderr == b""


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True)


def test_no_progress_under_pre_commit_although_it_gives_the_hook_a_terminal(
    project: Path, tmp_path: Path
) -> None:
    """pre-commit runs hooks on a pseudo-terminal when it prints in colour.

    The same hook with `PRE_COMMIT` taken out of its environment shows the
    line, so the terminal is really there and `PRE_COMMIT` is what hides it.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed; pre-commit needs it")
    hook = f"{sys.executable} -c '{WITHOUT_DELAY}' scan"

    def local_hook(hook_id: str, entry: str) -> dict[str, object]:
        return {
            "id": hook_id,
            "name": hook_id,
            "language": "system",
            "entry": entry,
            "files": r"\.json$",
            "require_serial": True,
        }

    hooks = [local_hook("trustlint", hook), local_hook("control", f"env -u PRE_COMMIT {hook}")]
    config = yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]})
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git("init", "--quiet", cwd=project)
    git("add", "--all", cwd=project)
    env = environment(
        tmp_path / "cache", PRE_COMMIT_HOME=str(tmp_path / "pre-commit"), PRE_COMMIT_COLOR="always"
    )

    def hook_output(hook_id: str) -> bytes:
        command = [sys.executable, "-m", "pre_commit", "run", hook_id, "--files", "open.json"]
        completed = run(command, project, env, terminal=False)
        assert completed.returncode == 1, completed.stdout + completed.stderr
        assert b"open.json:7:28: TL001 error " in completed.stdout
        return completed.stdout

    assert b"scanning" not in hook_output("trustlint")
    # pre-commit prints the hook's output after the hook (stripped of its
    # leading carriage return), where the line would only be garbage.
    assert b"trustlint: scanning... 0 s" in hook_output("control")
