"""Baseline files: findings accepted as they are, recorded by logical fingerprint.

`--write-baseline FILE` records the current findings; with `--baseline FILE`
those findings no longer fail the run, while new ones do. Entries are matched
by `Finding.fingerprint` (file, rule, resource, statement, principal), so
moving code inside a file keeps them matched. The rule, path, resource and
message are written too, for people reviewing the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trustlint.findings import Finding

BASELINE_VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be read, is not a baseline, or cannot be written."""


def read_baseline(path: Path) -> dict[str, dict[str, str]]:
    """Fingerprint -> entry, from a file written by `write_baseline`."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} does not exist") from None
    except IsADirectoryError:
        raise BaselineError(f"baseline {path} is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"cannot read baseline {path}: {_reason(error)}") from None
    except ValueError as error:
        raise BaselineError(f"baseline {path} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(
            f"baseline {path} is not a trustlint baseline (expected an object with a "
            "'findings' list; write one with --write-baseline)"
        )
    version = data.get("version")
    if version != BASELINE_VERSION:
        raise BaselineError(
            f"baseline {path} has version {version!r}; this trustlint reads version "
            f"{BASELINE_VERSION} (rewrite it with --write-baseline)"
        )
    entries: dict[str, dict[str, str]] = {}
    for number, entry in enumerate(data["findings"], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"baseline {path}: finding {number} has no 'fingerprint' string")
        entries[entry["fingerprint"]] = {
            str(key): str(value) for key, value in entry.items() if value is not None
        }
    return entries


def baseline_entry(finding: Finding) -> dict[str, str]:
    return {
        "fingerprint": finding.fingerprint,
        "rule": finding.rule_id,
        "path": finding.location.path,
        "resource": finding.resource,
        "message": finding.message,
    }


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Record the unsuppressed findings; returns how many entries were written.

    Entries are sorted, so rewriting an unchanged baseline gives the same
    bytes and a small diff when findings change.
    """
    entries = {
        finding.fingerprint: baseline_entry(finding)
        for finding in findings
        if finding.suppression is None
    }
    ordered = sorted(entries.values(), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    document = {"version": BASELINE_VERSION, "tool": "trustlint", "findings": ordered}
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"cannot write baseline {path}: {_reason(error)}") from None
    return len(ordered)


def _reason(error: OSError | UnicodeDecodeError) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return f"not UTF-8 ({error.reason} at offset {error.start})"
