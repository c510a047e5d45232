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
from pathlib import Path
from typing import Protocol

from trustlint.frontends.terraform.files import is_module_file
from trustlint.model import Location, ParseError
from trustlint.project_paths import is_inside, project_path
from trustlint.records import field, record

CANDIDATE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template"})
DEFAULT_EXCLUDED_DIRECTORIES = frozenset(
    {".git", ".terraform", "node_modules", ".tox", "__pycache__"}
)
_VIRTUALENV_MARKER = "pyvenv.cfg"
_CDK_OUTPUT = "cdk.out"
_CDK_ASSET_PREFIX = "asset."


@record
class Discovery:
    files: list[Path] = field(default_factory=list)
    """Candidate files, absolute, sorted."""
    terraform_dirs: list[Path] = field(default_factory=list)
    """Directories holding Terraform files (`.tf`, `.tf.json`), absolute, sorted."""
    errors: list[ParseError] = field(default_factory=list)
    """Paths that do not exist and directories that cannot be read (TL000)."""


@record
class Listing:
    """What one directory holds that the walk may take, before excludes: names by kind."""

    signature: tuple[int, int, int, int]
    """The directory's (size, mtime_ns, ctime_ns, inode), taken before it was listed."""
    virtualenv: bool
    """It holds `pyvenv.cfg`."""
    directories: tuple[str, ...]
    files: tuple[str, ...]
    """Regular files with a candidate suffix or a Terraform file name."""
    links: tuple[str, ...]


class Listings(Protocol):
    """Listings kept from an earlier walk (`trustlint.project_index`)."""

    def listing(self, directory: str, signature: tuple[int, int, int, int]) -> Listing | None:
        """The listing of `directory` (absolute), if it was taken at `signature`."""

    def remember(self, directory: str, listing: Listing) -> None: ...


def discover(
    paths: Sequence[Path],
    root: Path,
    excludes: Sequence[str],
    listings: Listings | None = None,
) -> Discovery:
    """Every candidate under `paths`; explicitly named files are always included.

    With `listings`, a directory whose stat signature is unchanged since it
    was last listed is not listed again (adding, removing or renaming an
    entry changes a directory's mtime).
    """
    walker = _Walker(root, excludes, listings)
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


@record
class _Directory:
    shown: str
    """The absolute path as the user reaches it (through links, unresolved)."""
    real: str
    relative: str
    explicit: bool


@record
class _Link:
    shown: str
    relative: str
    parent_real: str
    """The real path of the directory holding the link."""


class _Walker:
    def __init__(self, root: Path, excludes: Sequence[str], listings: Listings | None) -> None:
        self.listings = listings
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
            listing = self._listing(directory.shown)
        except OSError as error:
            self._error(
                directory.relative,
                f"cannot read directory {directory.relative}: {_reason(error)}",
            )
            return
        if not directory.explicit and listing.virtualenv:
            return
        cdk_output = os.path.basename(directory.shown) == _CDK_OUTPUT
        subdirectories: list[_Directory] = []
        for name in listing.directories:
            relative = _join(directory.relative, name)
            if name in DEFAULT_EXCLUDED_DIRECTORIES or self._skipped(name, relative, cdk_output):
                continue
            real = os.path.join(directory.real, name)
            shown = os.path.join(directory.shown, name)
            subdirectories.append(_Directory(shown, real, relative, False))
        for name in listing.files:
            relative = _join(directory.relative, name)
            if not self._skipped(name, relative, cdk_output):
                shown = os.path.join(directory.shown, name)
                self._file(shown, os.path.join(directory.real, name), directory.real)
        for name in listing.links:
            relative = _join(directory.relative, name)
            if not self._skipped(name, relative, cdk_output):
                shown = os.path.join(directory.shown, name)
                self.links.append(_Link(shown, relative, directory.real))
        # Popped from the end: reversed keeps the walk in name order.
        self.pending.extend(reversed(subdirectories))

    def _skipped(self, name: str, relative: str, cdk_output: bool) -> bool:
        return (cdk_output and name.startswith(_CDK_ASSET_PREFIX)) or self.excludes.match(relative)

    def _listing(self, directory: str) -> Listing:
        """What `directory` holds, from the kept listings when it is unchanged since."""
        info = os.stat(directory)
        signature = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        if self.listings is not None:
            kept = self.listings.listing(directory, signature)
            if kept is not None:
                return kept
        listing = list_directory(directory, signature)
        if self.listings is not None:
            self.listings.remember(directory, listing)
        return listing

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


def list_directory(directory: str, signature: tuple[int, int, int, int]) -> Listing:
    """What `directory` holds that a walk may take; `signature` is its stat, taken before."""
    directories: list[str] = []
    files: list[str] = []
    links: list[str] = []
    virtualenv = False
    with os.scandir(directory) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        virtualenv = virtualenv or entry.name == _VIRTUALENV_MARKER
        try:
            if entry.is_symlink():
                links.append(entry.name)
            elif entry.is_dir(follow_symlinks=False):
                directories.append(entry.name)
            elif entry.is_file(follow_symlinks=False) and _is_wanted(entry.name):
                files.append(entry.name)
        except OSError:  # pragma: no cover - the entry vanished during the walk
            continue
    return Listing(signature, virtualenv, tuple(directories), tuple(files), tuple(links))


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.rfind("/") else ""


def _is_wanted(name: str) -> bool:
    return _suffix(name) in CANDIDATE_SUFFIXES or is_module_file(os.path.basename(name))


def _join(directory: str, name: str) -> str:
    return name if directory == "." else f"{directory}/{name}"


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__
