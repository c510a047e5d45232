"""Run one command and record its wall time and peak memory.

    python measure_child.py REPORT.json TIMEOUT_SECONDS -- COMMAND...

A process of its own, so that `RUSAGE_CHILDREN` counts this command (and
the workers it waited for) and nothing the test run started before. The
command gets its own session: on timeout the whole group is killed, pool
workers included. Its address space is capped so that a runaway scan fails
the test instead of the machine.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time

ADDRESS_SPACE_LIMIT = 4 * 1024**3


def main(argv: list[str]) -> int:
    report, timeout, separator, *command = argv[1:]
    if separator != "--" or not command:
        sys.stderr.write(__doc__ or "")
        return 2
    # Inherited by the command: this process needs far less.
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    started = time.monotonic()
    child = subprocess.Popen(command, start_new_session=True)
    try:
        returncode: int | None = child.wait(timeout=float(timeout))
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        returncode = None
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(report, "w", encoding="utf-8") as stream:
        # ru_maxrss is in KiB on Linux.
        json.dump(
            {"returncode": returncode, "seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024},
            stream,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
