"""Paths as trustlint names files: relative to the project root, with forward slashes.

Every `Location.path`, unit name, config glob target and JSON, SARIF or GitHub
path is a *project path*, made here. A file name that is not UTF-8 stays the
`surrogateescape`d text Python gives for it (its bytes on disk) all the way
through; each reporter decides how to show it (`report/escaping.py`, SARIF's
percent-encoding). Text output alone shows paths as the working directory
sees them (`WorkingDirectoryPaths`), so that a terminal or an editor opens them.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_path(path: Path, root: Path) -> str:
    """`path` relative to `root` with forward slashes (`.` for the root itself).

    The path as the user reaches it, through symlinks; a path reached through a
    symlinked working directory is matched on its real path; a path outside the
    root stays absolute rather than climbing out with `..`.
    """
    for candidate, base in (
        (os.path.abspath(path), os.path.abspath(root)),
        (os.path.realpath(path), os.path.realpath(root)),
    ):
        if is_inside(candidate, base):
            return Path(os.path.relpath(candidate, base)).as_posix()
    return Path(os.path.abspath(path)).as_posix()


def real_project_path(path: Path, root: Path) -> str:
    """The project path of the file or directory `path` names, symlinks resolved.

    How a path named on the command line (or the config's directory) is
    matched against the units: the walk of a project names a file reached
    both as itself and through a symlink by its real path. `root` is resolved,
    and holds `path` (see `engine._common_root`).
    """
    return Path(os.path.relpath(path.resolve(), root)).as_posix()


def named_project_paths(path: Path, root: Path) -> set[str]:
    """Every project path a file or directory named on the command line goes by.

    Its real path (how the walk of a project names a file it reaches both as
    itself and through a symlink) and the path as the user reached it (how a
    link named on its own, or reached through a symlinked directory, is
    named): the scan reports on it whichever of the two its unit carries.
    """
    return {real_project_path(path, root), project_path(path, root)}


def is_inside(path: str, base: str) -> bool:
    """Whether the absolute `path` is `base` or lies under it (no symlink is resolved)."""
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


class WorkingDirectoryPaths:
    """Project paths as the working directory sees them, for terminals and editors.

    From `cfn/`, the finding in `cfn/roles.yaml` reads `roles.yaml:13:20`,
    which a terminal or an editor opens from there (SPEC section 10).
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        try:
            self._cwd: Path | None = Path.cwd().resolve()
        except OSError:
            self._cwd = None
        self._shown: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        shown = self._shown.get(path)
        if shown is None:
            shown = path
            if self._cwd is not None and self._cwd != self._root:
                shown = Path(os.path.relpath(self._root / path, self._cwd)).as_posix()
            self._shown[path] = shown
        return shown
