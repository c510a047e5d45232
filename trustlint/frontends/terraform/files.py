"""Which files make a Terraform module: the one answer every part of the scan uses.

Terraform reads, in one directory, every `*.tf` file (native syntax) and every
`*.tf.json` file (JSON syntax) as one module; files named `*_override.tf` /
`*_override.tf.json` (or just `override.tf[.json]`) are read after the others
and merged into them. Variable files (`*.tfvars[.json]`) are inputs of a root
module, not part of the module itself. This module imports nothing heavy: the
file walk uses it too.
"""

from __future__ import annotations

import os
from pathlib import Path

NATIVE_SUFFIX = ".tf"
JSON_SUFFIX = ".tf.json"
TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")


def is_module_file(name: str) -> bool:
    """Whether a file named `name` is part of the Terraform module of its directory."""
    return name.endswith(NATIVE_SUFFIX) or name.endswith(JSON_SUFFIX)


def is_json_syntax(name: str) -> bool:
    return name.endswith(JSON_SUFFIX)


def is_override(name: str) -> bool:
    """`override.tf`, `x_override.tf` and their `.tf.json` twins."""
    stem = name.removesuffix(JSON_SUFFIX) if is_json_syntax(name) else name.removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def module_file_names(directory: Path | str) -> list[str]:
    """Names of the files that make the module in `directory`: primary files in
    name order, then override files in name order (the order Terraform merges them)."""
    try:
        with os.scandir(directory) as entries:
            names = sorted(
                entry.name for entry in entries if is_module_file(entry.name) and _is_file(entry)
            )
    except OSError:
        return []
    return [n for n in names if not is_override(n)] + [n for n in names if is_override(n)]


def module_files(directory: Path) -> list[Path]:
    """`module_file_names` as paths inside `directory`."""
    return [directory / name for name in module_file_names(directory)]


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False
