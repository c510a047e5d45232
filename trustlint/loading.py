"""Turn discovered files into source units: the front-ends, behind the parse cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from trustlint.frontends import LoadOptions
from trustlint.model import SourceUnit


def load_units(
    files: Sequence[Path],
    terraform_dirs: Sequence[Path],
    root: Path,
    options: LoadOptions,
    cache_dir: Path | None = None,
) -> list[SourceUnit]:
    """Load every file and Terraform module; never raises on bad input."""
    from trustlint.frontends import dispatch

    units: list[SourceUnit] = []
    for path in files:
        unit = dispatch.load_file(path, root, options)
        if unit is not None:
            units.append(unit)
    for directory in terraform_dirs:
        units.append(dispatch.load_terraform(directory, root, options))
    return units
