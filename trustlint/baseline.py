"""Baseline files: findings accepted as they are, recorded by logical fingerprint."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trustlint.findings import Finding

BASELINE_VERSION = 1


class BaselineError(Exception):
    pass


def read_baseline(path: Path) -> dict[str, dict[str, str]]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BaselineError(f"cannot read baseline {path}: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"baseline {path} is not a trustlint baseline (no 'findings' list)")
    entries: dict[str, dict[str, str]] = {}
    for entry in data["findings"]:
        if isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str):
            entries[entry["fingerprint"]] = {str(k): str(v) for k, v in entry.items()}
    return entries


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    entries = {
        finding.fingerprint: {
            "fingerprint": finding.fingerprint,
            "rule": finding.rule_id,
            "path": finding.location.path,
            "resource": finding.resource,
            "message": finding.message,
        }
        for finding in findings
        if finding.suppression is None
    }
    ordered = sorted(entries.values(), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    document = {"version": BASELINE_VERSION, "tool": "trustlint", "findings": ordered}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return len(ordered)
