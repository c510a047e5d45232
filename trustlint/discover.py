"""Which files a scan reads: a deterministic walk with excludes and safe symlinks.

Candidates are `.yaml`, `.yml`, `.json` and `.template` files (the dispatcher
decides what each holds) and directories holding Terraform files (`.tf` and
`.tf.json`, `terraform.files.is_module_file`: Terraform reads a module as a whole).
A symlink is followed only to a target inside the project root that the walk
has not seen, so a scan neither loops nor leaves the project; real paths are
walked before links, so a file reached both ways is reported under its own name.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trustlint.frontends.terraform.files import is_module_file
from trustlint.model import Location, ParseError
from trustlint.project_paths import is_inside, project_path

CANDIDATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template"})
DEFAULT_EXCLUDED_DIRECTORIES = frozenset(
    {".git", ".terraform", "node_modules", ".tox", "__pycache__"}
)
_VIRTUALENV_MARKER = "pyvenv.cfg"
_CDK_OUTPUT = "cdk.out"
_CDK_ASSET_PREFIX = "asset."


@dataclass(frozen=True, slots=True)
class Discovery:
    files: list[Path] = field(default_factory=list)
    """Candidate files, absolute, sorted."""
    terraform_dirs: list[Path] = field(default_factory=list)
    """Directories holding Terraform files (`.tf`, `.tf.json`), absolute, sorted."""
    errors: list[ParseError] = field(default_factory=list)
    """Paths that do not exist and directories that cannot be read (TL000)."""


def discover(paths: Sequence[Path], root: Path, excludes: Sequence[str]) -> Discovery:
    """Every candidate under `paths`; explicitly named files are always included."""
    walker = _Walker(root, excludes)
    for path in paths:
        walker.add(Path(path))
    walker.run()
    return Discovery(
        files=sorted(walker.files.values()),
        terraform_dirs=sorted(walker.terraform_dirs.values()),
        errors=sorted(walker.errors, key=lambda error: (error.location.path, error.message)),
    )


def is_excluded(relative: str, excludes: Sequence[str]) -> bool:
    """Whether a project-relative path matches one of the `exclude` globs."""
    return _Excludes(excludes).match(relative)


class _Excludes:
    """Glob patterns relative to the root: `**` spans directories, `*` does not.

    A pattern without `/` matches a name at any depth, as in `.gitignore`.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = [_glob_to_regex(pattern) for pattern in patterns if pattern.strip()]

    def match(self, relative: str) -> bool:
        return bool(self.patterns) and any(p.fullmatch(relative) for p in self.patterns)


def _glob_to_regex(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip().removeprefix("./").strip("/")
    if "/" not in pattern:
        pattern = "**/" + pattern
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("/**", index) and index + 3 == len(pattern):
            parts.append("(?:/.*)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        elif pattern[index] == "[" and (end := pattern.find("]", index + 2)) > 0:
            members = pattern[index + 1 : end]
            negated = members.startswith("!")
            members = re.escape(members[1:] if negated else members).replace(r"\-", "-")
            parts.append(f"[{'^' if negated else ''}{members}]")
            index = end + 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts))


@dataclass(frozen=True, slots=True)
class _Directory:
    shown: str
    """The absolute path as the user reaches it (through links, unresolved)."""
    real: str
    relative: str
    explicit: bool


@dataclass(frozen=True, slots=True)
class _Link:
    shown: str
    relative: str
    parent_real: str
    """The real path of the directory holding the link."""


class _Walker:
    def __init__(self, root: Path, excludes: Sequence[str]) -> None:
        self.root = Path(os.path.abspath(root))
        self.root_real = os.path.realpath(root)
        self.excludes = _Excludes(excludes)
        self.files: dict[str, Path] = {}
        """Keyed by real path, so a file reached twice is listed once."""
        self.terraform_dirs: dict[str, Path] = {}
        self.errors: list[ParseError] = []
        self.visited: set[str] = set()
        self.pending: list[_Directory] = []
        self.links: list[_Link] = []
        """Symlinks met in the walk, followed once no real directory is left."""

    def add(self, path: Path) -> None:
        shown = os.path.abspath(path)
        relative = project_path(path, self.root)
        try:
            is_directory = stat.S_ISDIR(os.stat(shown).st_mode)
        except FileNotFoundError:
            self._error(relative, f"{relative} does not exist")
            return
        except OSError as error:
            self._error(relative, f"cannot read {relative}: {_reason(error)}")
            return
        if is_directory:
            real = os.path.realpath(shown)
            self.pending.append(_Directory(shown, real, relative, explicit=True))
        elif is_module_file(os.path.basename(shown)):
            parent = os.path.dirname(shown)
            self.terraform_dirs.setdefault(os.path.realpath(parent), Path(parent))
        else:
            self.files.setdefault(os.path.realpath(shown), Path(shown))

    def run(self) -> None:
        # Real directories first, then links in order: a target reached both
        # ways keeps its real name, and a link back up the tree finds its
        # target already visited.
        while self.pending or self.links:
            if self.pending:
                self._scan(self.pending.pop())
            else:
                self._follow(self.links.pop(0))

    def _scan(self, directory: _Directory) -> None:
        if directory.real in self.visited:
            return
        self.visited.add(directory.real)
        try:
            with os.scandir(directory.shown) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            self._error(
                directory.relative,
                f"cannot read directory {directory.relative}: {_reason(error)}",
            )
            return
        if not directory.explicit and any(e.name == _VIRTUALENV_MARKER for e in entries):
            return
        cdk_output = os.path.basename(directory.shown) == _CDK_OUTPUT
        subdirectories: list[_Directory] = []
        for entry in entries:
            relative = _join(directory.relative, entry.name)
            if cdk_output and entry.name.startswith(_CDK_ASSET_PREFIX):
                continue
            if self.excludes.match(relative):
                continue
            try:
                if entry.is_symlink():
                    self.links.append(_Link(entry.path, relative, directory.real))
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name not in DEFAULT_EXCLUDED_DIRECTORIES:
                        real = os.path.join(directory.real, entry.name)
                        subdirectories.append(_Directory(entry.path, real, relative, False))
                elif entry.is_file(follow_symlinks=False) and _is_wanted(entry.name):
                    real = os.path.join(directory.real, entry.name)
                    self._file(entry.path, real, directory.real)
            except OSError:  # pragma: no cover - the entry vanished during the walk
                continue
        # Popped from the end: reversed keeps the walk in name order.
        self.pending.extend(reversed(subdirectories))

    def _follow(self, link: _Link) -> None:
        try:
            target = os.stat(link.shown)
        except OSError:  # dangling, or a loop of links: nothing to read
            return
        is_directory = stat.S_ISDIR(target.st_mode)
        if is_directory and os.path.basename(link.shown) in DEFAULT_EXCLUDED_DIRECTORIES:
            return
        if not is_directory and not (stat.S_ISREG(target.st_mode) and _is_wanted(link.shown)):
            return
        real = os.path.realpath(link.shown)
        if not is_inside(real, self.root_real):
            return
        if is_directory:
            self.pending.append(_Directory(link.shown, real, link.relative, explicit=False))
        else:
            self._file(link.shown, real, link.parent_real)

    def _file(self, shown: str, real: str, parent_real: str) -> None:
        if is_module_file(os.path.basename(shown)):
            # The module is the directory holding the file (or the link to it).
            self.terraform_dirs.setdefault(parent_real, Path(os.path.dirname(shown)))
        elif _suffix(shown) in CANDIDATE_SUFFIXES:
            self.files.setdefault(real, Path(shown))

    def _error(self, relative: str, message: str) -> None:
        self.errors.append(ParseError(message, Location(relative, 1, 1, 1, 2)))


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.rfind("/") else ""


def _is_wanted(name: str) -> bool:
    return _suffix(name) in CANDIDATE_SUFFIXES or is_module_file(os.path.basename(name))


def _join(directory: str, name: str) -> str:
    return name if directory == "." else f"{directory}/{name}"


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__
