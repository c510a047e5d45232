"""What one load of a Terraform module reads, reports and shares between its modules."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from trustlint.config import LoadOptions
from trustlint.frontends.source_text import SourceError, read_source
from trustlint.frontends.terraform.files import is_json_syntax, module_files
from trustlint.frontends.terraform.hcl_eval import EvalBudget
from trustlint.frontends.terraform.hcl_syntax import HclFile, parse_hcl
from trustlint.frontends.terraform.hcl_syntax_errors import syntax_problem
from trustlint.frontends.terraform.hcl_values import EvalError, MappedStr, Site
from trustlint.frontends.terraform.json_syntax import read_json_syntax
from trustlint.frontends.terraform.module_calls import ModuleCalls
from trustlint.frontends.terraform.overrides import merge_overrides
from trustlint.model import Location, ParseError, Suppression
from trustlint.project_paths import project_path
from trustlint.suppressions import comment_suppressions

MAX_INSTANCES_PER_LOAD = LoadOptions().max_instances
"""`count` / `for_each` instances expanded in one load (module instances multiply
those of the blocks they hold); beyond it, instances are unknown."""


def is_file(path: Path) -> bool:
    """`Path.is_file`, false for a path the system refuses (a name too long)."""
    try:
        return path.is_file()
    except OSError:
        return False


def module_files_of(directory: Path) -> list[Path]:
    return module_files(directory)


class Project:
    """What one `load_module` call reads, reports and shares between modules."""

    def __init__(self, root: Path, root_module: Path, options: LoadOptions) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.root_module = root_module
        self.options = options
        self.budget = EvalBudget(options.max_depth + 64)
        self.paths: dict[str, None] = {}
        self.errors: dict[tuple[str, int, int, str], ParseError] = {}
        self.notes: dict[str, None] = {}
        self.suppressions: dict[Location, Suppression] = {}
        self.active: set[tuple[str, ...]] = set()
        # Instances of one load in all (`limits.max_instances`): nested module
        # calls multiply each other's counts.
        self.instances_left = options.max_instances
        self._files: dict[str, HclFile | None] = {}
        self._texts: dict[str, MappedStr | str] = {}
        self.calls = ModuleCalls(root_module, self.relative, self.paths)

    def relative(self, path: Path) -> str:
        return project_path(path, self.root)

    def first_path(self) -> str | None:
        return next(iter(sorted(self.paths)), None)

    def error(self, message: str, location: Location, *, note: bool = False) -> None:
        key = (location.path, location.line, location.column, message)
        self.errors.setdefault(key, ParseError(message, location, "note" if note else "error"))

    def note(self, text: str) -> None:
        self.notes.setdefault(text, None)

    def inside_root(self, path: Path) -> bool:
        real = os.path.realpath(path)
        return real == self.real_root or real.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def hcl_file(self, path: Path) -> HclFile | None:
        """A `.tf` / `.tfvars` file parsed, its problems reported; None if unreadable."""
        relative = self.relative(path)
        if relative in self._files:
            return self._files[relative]
        self.paths[relative] = None
        file: HclFile | None = None
        try:
            text = read_source(path, self.options)
        except SourceError as error:
            self.error(
                f"cannot read {relative}: {error.message}",
                Location(relative, error.line, error.column, error.line, error.column + 1),
            )
        else:
            if is_json_syntax(relative):
                file, json_problem = read_json_syntax(text, relative, self.options.max_depth)
                if json_problem is not None:
                    self.error(*json_problem)
                for suppression in file.suppressions if file is not None else ():
                    self.suppressions.setdefault(suppression.location, suppression)
                self._files[relative] = file
                return file
            file = parse_hcl(text, relative)
            problem = syntax_problem(file, self.options.max_depth)
            if problem is not None:
                message, location = problem
                self.error(f"cannot parse {relative}: {message}", location)
            for suppression in comment_suppressions(text, relative):
                self.suppressions.setdefault(suppression.location, suppression)
        self._files[relative] = file
        return file

    def module_hcl_files(self, directory: Path) -> list[HclFile]:
        """The files of the module in `directory`, parsed, override files merged in."""
        files = [self.hcl_file(path) for path in module_files_of(directory)]
        return merge_overrides([file for file in files if file is not None], self.error)

    def read_text(self, path: Path, site: Site) -> Any:
        """`file()`: the text of a file inside the project, remembering its path."""
        if not self.inside_root(path):
            return site.unknown("the file is outside the project and is not read")
        if not is_file(path):
            raise EvalError(f"no such file: {self.relative(path)}")
        relative = self.relative(path)
        cached = self._texts.get(relative)
        if cached is None:
            self.paths[relative] = None
            try:
                cached = MappedStr(read_source(path, self.options), source_path=relative)
            except SourceError as error:
                cached = f"cannot read {relative}: {error.message}"
                self.note(cached)
            self._texts[relative] = cached
        if isinstance(cached, MappedStr):
            return cached
        return site.unknown(cached)
