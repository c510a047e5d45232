"""From one file to a `SourceUnit`: read once, parse once, ask each front-end.

A file is read and parsed here, then offered to the front-ends' sniffers
(CloudFormation template? Terraform plan? policy or IAM export?). A file that
is none of these is not our business and gives None, so a repository's
`package.json` or a broken `tsconfig.json` never becomes a finding. A file
that looks like IaC or a policy but cannot be read or parsed gives a unit
holding only a TL000 `ParseError`; nothing here raises.

Front-end modules are imported when a file needs them, so a scan of YAML
templates never loads tree-sitter (Terraform), jsonschema or the SARIF model.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any

from trustlint import budgets, line_hashes
from trustlint.config import LoadOptions
from trustlint.discover import CANDIDATE_SUFFIXES
from trustlint.frontends.source_text import (
    BINARY_SNIFF_BYTES,
    SourceError,
    keeping_bytes,
    read_source,
)
from trustlint.frontends.yaml_loader import DuplicateKey, LoadError, load_json, load_yaml
from trustlint.model import Location, ParseError, SourceUnit, UnitFormat
from trustlint.patterns import lazy_compile
from trustlint.project_paths import project_path
from trustlint.tree import LMap

_SNIFFED_KEYS = lazy_compile(
    r"AWSTemplateFormatVersion|AWS::|Resources|format_version|RoleName|DetailList|PolicyVersionList"
)
"""Every key the sniffers look for (the policy reader also accepts `statement`
in any case, checked apart). Text holding none of them cannot be IaC nor a
policy, and is not parsed: a large `package-lock.json` costs a scan, not a parse."""

_IAC_MARKERS = lazy_compile(
    r'AWSTemplateFormatVersion|AWS::|"Statement"|^[ \t]*Resources[ \t]*:|"Resources"[ \t]*:'
    r'|"format_version"',
    re.MULTILINE,
)
"""Text a broken file must hold to be reported: IaC or policy, not just any YAML."""

_TEMPLATE_MARKERS = lazy_compile(r"AWSTemplateFormatVersion|^Resources[ \t]*:", re.MULTILINE)
_MULTIPLE_DOCUMENTS = "but found another document"
_SURROGATE = lazy_compile("[\ud800-\udfff]")


def _bytes_for_hashes(options: LoadOptions) -> contextlib.AbstractContextManager[Any]:
    """The bytes each read returns, kept for line hashes when the options ask for them."""
    return keeping_bytes() if options.line_hashes else contextlib.nullcontext()


def load_file(path: Path, root: Path, options: LoadOptions) -> SourceUnit | None:
    """The unit `path` holds; None when it is neither IaC nor a policy. Never raises."""
    path = Path(path)
    relative = path.as_posix()
    try:
        relative = project_path(path, root)
        with budgets.evaluating(options) as budget, _bytes_for_hashes(options) as read:
            unit = budget.attach(_load_file(path, relative, root, options))
        return line_hashes.attach(unit, read, root) if read is not None else unit
    except Exception as error:
        # A bug in a front-end: one file's TL000, not a traceback for the user.
        _debug_internal_error(relative)
        return _error_unit(
            printable(relative), _format_for(path, ""), _failure(error, printable(relative))
        )


def load_terraform(directory: Path, root: Path, options: LoadOptions) -> SourceUnit:
    """The Terraform module in `directory`. Never raises."""
    absolute = Path(directory)
    relative = absolute.as_posix()
    try:
        relative = project_path(directory, root)
        absolute = Path(os.path.abspath(directory))
        from trustlint.frontends import terraform

        with budgets.evaluating(options) as budget, _bytes_for_hashes(options) as read:
            unit = budget.attach(terraform.load_module(absolute, root, options))
            if read is not None:
                unit = line_hashes.attach(unit, read, root)
        assert unit is not None
        return unit
    except Exception as error:
        _debug_internal_error(relative)
        files = [printable(name) for name in _terraform_files(absolute, root)]
        return SourceUnit(
            unit=printable(relative),
            format="terraform",
            paths=tuple(files),
            errors=(
                ParseError(
                    _failure(error, printable(relative)),
                    _point(files[0] if files else printable(relative), 1, 1),
                ),
            ),
        )


def printable(text: str) -> str:
    """`text` with the undecodable bytes of a file name (`surrogateescape`) shown as U+FFFD.

    For the message of an internal error, which may quote anything. A file
    whose name is not UTF-8 is read like any other: its units keep the name
    as `surrogateescape`d text (the bytes it has on disk), and each output
    shows it escaped.
    """
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _failure(error: Exception, relative: str) -> str:
    """The TL000 message for an exception a front-end did not expect."""
    if isinstance(error, RecursionError):
        return f"cannot read {relative}: nested too deeply to read"
    if isinstance(error, MemoryError):
        return f"cannot read {relative}: not enough memory to read it"
    return printable(f"internal error while reading {relative}: {type(error).__name__}: {error}")


def _load_file(path: Path, relative: str, root: Path, options: LoadOptions) -> SourceUnit | None:
    try:
        text = read_source(path, options)
    except SourceError as error:
        if path.suffix.lower() in CANDIDATE_SUFFIXES or _head_looks_like_iac(path):
            return _error_unit(
                relative,
                _format_for(path, ""),
                f"cannot read {relative}: {error.message}",
                error.line,
                error.column,
            )
        return None
    if _SNIFFED_KEYS.search(text) is None and "statement" not in text.lower():
        return None
    as_json = _is_json(path, text)
    duplicates: list[DuplicateKey] = []
    try:
        tree = _parse(text, relative, as_json, options, duplicates)
        if duplicates and not _is_template(tree):
            # A template is read as CloudFormation reads it (the last key
            # wins, with a warning); anything else with a duplicate key is broken.
            raise duplicates[0].load_error
    except LoadError as error:
        if not _worth_reporting(text, error):
            return None
        problem = error.message
        if problem == _MULTIPLE_DOCUMENTS:
            problem = "a second YAML document starts here (a template is a single document)"
        return _error_unit(
            relative,
            _format_for(path, text),
            f"cannot parse {relative} as {'JSON' if as_json else 'YAML'}: {problem}",
            error.line,
            error.column,
        )
    return _read_tree(tree, text, relative, root, options, duplicates=duplicates)


def _is_template(tree: Any) -> bool:
    if not isinstance(tree, LMap):
        return False
    if "AWSTemplateFormatVersion" not in tree and "Resources" not in tree:
        return False
    from trustlint.frontends import cloudformation

    return cloudformation.is_template(tree)


def _read_tree(
    tree: Any,
    text: str,
    relative: str,
    root: Path,
    options: LoadOptions,
    *,
    duplicates: list[DuplicateKey] | None = None,
) -> SourceUnit | None:
    if not isinstance(tree, LMap):
        return None
    # The key checks keep each front-end's module unimported until a file
    # could be its format.
    if "format_version" in tree:
        from trustlint.frontends.terraform import plan as tfplan

        if tfplan.is_plan(tree):
            return tfplan.read_plan(tree, relative, root, options)
    if "AWSTemplateFormatVersion" in tree or "Resources" in tree:
        from trustlint.frontends import cloudformation

        if cloudformation.is_template(tree):
            return cloudformation.read_template(
                tree, relative, text, options, duplicates=duplicates or (), root=os.fspath(root)
            )
    from trustlint.frontends.policy_json import read_policy_json

    return read_policy_json(tree, relative, options)


def _is_json(path: Path, text: str) -> bool:
    """`.json` is JSON, `.yaml`/`.yml` YAML; anything else by its first character."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return True
    if suffix in (".yaml", ".yml"):
        return False
    return text.lstrip().startswith("{")


def _parse(
    text: str, relative: str, as_json: bool, options: LoadOptions, duplicates: list[DuplicateKey]
) -> Any:
    load = load_json if as_json else load_yaml
    return load(
        text,
        relative,
        max_nodes=options.max_nodes,
        max_depth=options.max_depth,
        duplicates=duplicates,
    )


def _worth_reporting(text: str, error: LoadError) -> bool:
    """Whether a file that failed to parse looks like IaC or a policy.

    A stream of several YAML documents is a Kubernetes manifest or similar,
    never a template (CloudFormation reads one document), unless it says so.
    """
    if error.message == _MULTIPLE_DOCUMENTS:
        return _TEMPLATE_MARKERS.search(text) is not None
    return _IAC_MARKERS.search(text) is not None


def _head_looks_like_iac(path: Path) -> bool:
    """For a file named explicitly with another extension that cannot be decoded."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(BINARY_SNIFF_BYTES)
    except OSError:
        return False
    return _IAC_MARKERS.search(head.decode("latin-1")) is not None


def _format_for(path: Path, text: str) -> UnitFormat:
    """The format a unreadable file was probably meant as (the error unit needs one)."""
    if '"format_version"' in text:
        return "terraform-plan"
    if "AWSTemplateFormatVersion" in text or "AWS::" in text:
        return "cloudformation"
    if path.suffix.lower() == ".json":
        return "policy-json"
    return "cloudformation"


def _error_unit(
    relative: str, unit_format: UnitFormat, message: str, line: int = 1, column: int = 1
) -> SourceUnit:
    return SourceUnit(
        unit=relative,
        format=unit_format,
        paths=(relative,),
        errors=(ParseError(message, _point(relative, line, column)),),
    )


def _point(relative: str, line: int, column: int) -> Location:
    return Location(relative, line, column, line, column + 1)


def _terraform_files(directory: Path, root: Path) -> list[str]:
    from trustlint.frontends.terraform.files import module_file_names

    return [project_path(directory / name, root) for name in module_file_names(directory)]


def _debug_internal_error(relative: str) -> None:
    """Log the traceback of a front-end bug (shown with `--debug`); `logging` is imported
    only then, as a run that meets no bug does not need it."""
    import logging

    logging.getLogger(__name__).debug("internal error while reading %s", relative, exc_info=True)
