"""Runs a scan: config, discovery, front-ends, checks, then levels, suppressions, baseline.

The engine is the only place that knows the whole pipeline; the CLI turns its
result into output and an exit code.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from trustlint.cache import dump_model, load_model
from trustlint.checks import GRAPH_RULES
from trustlint.config import Config, default_cache_dir, find_config, load_config
from trustlint.findings import Finding, Level
from trustlint.graph.links import touches
from trustlint.loading import Visit
from trustlint.merging import merge_findings
from trustlint.model import ParseError, SourceUnit
from trustlint.passed import route
from trustlint.project import Project
from trustlint.project_paths import named_project_paths, real_project_path
from trustlint.records import record, replace
from trustlint.results import PARSE_ERROR, ScanResult, involved_paths
from trustlint.suppressions import apply_suppressions, sort_suppressions

if TYPE_CHECKING:
    from trustlint.checks import CheckContext
    from trustlint.project_index import ProjectIndex

T = TypeVar("T")


@record
class ScanOptions:
    paths: tuple[Path, ...] = ()
    config_path: Path | None = None
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    strict: bool = False
    use_cache: bool = True
    baseline: dict[str, dict[str, str]] | None = None
    """Fingerprint -> recorded entry, from `--baseline`."""
    keep_graph: bool = False
    """Keep the trust graph and reach index the checks build on the result (`trustlint graph`)."""
    line_hashes: bool = False
    """Take GitHub's line hashes while parsing (`LoadOptions.line_hashes`): for SARIF."""


def git_root(start: Path) -> Path | None:
    """The top of the git work tree holding `start`, found without running git."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def scan_start(paths: Sequence[Path]) -> Path:
    return paths[0] if paths else Path.cwd()


def project_root(start: Path, config: Config) -> Path:
    """Where output paths are relative to: git root, else config directory, else cwd."""
    root = git_root(start) or config.directory or Path.cwd()
    return root.resolve()


def run_scan(options: ScanOptions) -> ScanResult:
    paths = options.paths or (Path.cwd(),)
    start = scan_start(paths)
    cache_dir = default_cache_dir() if options.use_cache else None
    config_path = options.config_path or find_config(start)
    config = load_config(config_path, cache_dir)
    root = _common_root(project_root(start, config), paths)
    config = _anchor(config, root)
    if options.line_hashes:
        config = replace(config, load_options=replace(config.load_options, line_hashes=True))
    report_paths: set[str] | None = None
    scan_paths = list(paths)
    if any(path.is_file() for path in paths):
        # Files named explicitly (pre-commit passes the changed ones): load the
        # whole project so cross-file rules see the rest, report on these only.
        project_dir = config.directory or git_root(start)
        report_paths = {name for path in paths for name in named_project_paths(path, root)}
        if project_dir is not None and _is_within(project_dir.resolve(), root):
            scan_paths = [
                project_dir,
                *(p for p in paths if not _is_within(p.resolve(), project_dir.resolve())),
            ]
    rule_ids = [rule_id for rule_id in _rule_ids() if _rule_selected(rule_id, config, options)]
    unit_rules = tuple(rule_id for rule_id in rule_ids if rule_id not in GRAPH_RULES)
    unit_checks = UnitChecks(config, unit_rules, options.strict, report_paths)
    frozen = False
    try:
        checked, errors = _load(
            scan_paths,
            root,
            config,
            cache_dir,
            focus=report_paths,
            visit=unit_checks,
            context=unit_checks.context,
        )
        units = [unit for unit, _ in checked]
        unit_findings = [found for _, found in checked]
        del checked
        # What is loaded now stays to the end: keep the garbage collector from
        # walking it again and again while the graph checks make their garbage.
        gc.freeze()
        frozen = True
        graph_findings, graph_context = _graph_findings(units, config, options, rule_ids)
    finally:
        if frozen:
            gc.unfreeze()
    findings = [finding for found in unit_findings for finding in load_model(found)]
    del unit_findings
    findings.extend(graph_findings)
    findings.extend(_parse_error_findings(units, errors, options.strict))
    findings = _apply_settings(findings, config, options)
    known = frozenset({PARSE_ERROR, *_rule_ids()})
    notes, usable = sort_suppressions(units, known)
    findings.extend(notes)
    findings = apply_suppressions(findings, usable)
    if report_paths is not None:
        findings = [f for f in findings if _reported(f, report_paths)]
        # The other units were read for context; the result is about these.
        units = [unit for unit in units if touches(unit.paths, report_paths)]
    findings = sorted(merge_findings(findings), key=Finding.sort_key)
    result = ScanResult(
        root,
        config,
        units,
        findings,
        errors=errors,
        report_paths=None if report_paths is None else frozenset(report_paths),
    )
    if options.keep_graph and graph_context is not None and report_paths is None:
        result.graph, result.reach = graph_context.built()
    if options.baseline is not None:
        scope = sorted({name for path in paths for name in named_project_paths(path, root)})
        _apply_baseline(result, options.baseline, scope)
    return result


@record
class UnitChecks:
    """The checks that look at one unit at a time, run on each unit as it is loaded.

    A `visit_units` visitor (so it runs in the parse workers when there are
    some): what the trust graph needs of the unit (`graph.pruning.for_graph`), so
    that a scan never holds every unit whole, and the unit's findings,
    pickled (about half the size) until the graph checks are done. They are
    the findings these checks give on the whole project: none of them looks
    beyond the unit of the policy or resource it reports on.
    """

    config: Config
    rule_ids: tuple[str, ...]
    strict: bool
    report_paths: Collection[str] | None = None
    """A partial scan's files: the findings of a unit that holds none of them
    would all be left out (they lie in the unit's files), so it is not checked."""

    def __call__(self, unit: SourceUnit) -> tuple[SourceUnit, bytes]:
        from trustlint.checks import CheckContext, unit_checks
        from trustlint.graph.pruning import for_graph

        findings: list[Finding] = []
        if self.report_paths is None or touches(unit.paths, self.report_paths):
            checks = unit_checks()
            context = CheckContext(Project([unit], self.config), strict=self.strict)
            findings = [f for rule_id in self.rule_ids for f in checks[rule_id](context)]
            if self.strict:
                findings.extend(_limit_notes(unit))
        return for_graph(unit), dump_model(route(findings))

    def context(self, unit: SourceUnit) -> tuple[SourceUnit, bytes]:
        """What a partial scan keeps of a unit holding none of its files: what the graph reads."""
        from trustlint.graph.pruning import for_graph

        return for_graph(unit), _NO_FINDINGS


_NO_FINDINGS = dump_model([])


def _limit_notes(unit: SourceUnit) -> list[Finding]:
    """`--strict`: a TL000 note where evaluation stopped at a limit (`trustlint.budgets`)."""
    return [
        Finding(
            PARSE_ERROR,
            "note",
            note.message,
            note.location,
            resource=note.location.path,
            subject=note.message,
        )
        for note in unit.limits_reached
    ]


def _graph_findings(
    units: list[SourceUnit], config: Config, options: ScanOptions, rule_ids: Sequence[str]
) -> tuple[list[Finding], CheckContext | None]:
    """The findings of the checks that join units through the trust graph, and their context."""
    from trustlint.graph.pruning import graph_may_find

    selected = [rule_id for rule_id in rule_ids if rule_id in GRAPH_RULES]
    # Declared boundaries (TL014) judge trust policies alone, grants or not.
    boundaries = bool(config.boundaries) and "TL014" in selected
    if not selected or not (boundaries or graph_may_find(units)):
        return [], None
    from trustlint.checks import CheckContext, graph_checks

    checks = graph_checks()
    context = CheckContext(Project(units, config), strict=options.strict)
    return route(f for rule_id in selected for f in checks[rule_id](context)), context


def load_project(paths: Sequence[Path], config_path: Path | None, use_cache: bool) -> Project:
    """Load without checking: for `inspect` and `graph`."""
    paths = paths or (Path.cwd(),)
    start = scan_start(paths)
    cache_dir = default_cache_dir() if use_cache else None
    config = load_config(config_path or find_config(start), cache_dir)
    root = _common_root(project_root(start, config), paths)
    config = _anchor(config, root)
    from trustlint.discover import discover
    from trustlint.loading import load_units

    discovery = discover(list(paths), root, list(config.root_excludes))
    options = config.load_options
    units = load_units(discovery.files, discovery.terraform_dirs, root, options, cache_dir)
    return Project(units, config)


def _anchor(config: Config, root: Path) -> Config:
    """Tell the config where it sits in the project, so its globs match project paths."""
    directory = config.directory
    if directory is None or not _is_within(directory.resolve(), root):
        return config
    base = real_project_path(directory, root)
    return replace(config, base="" if base == "." else base)


def _common_root(root: Path, paths: Sequence[Path]) -> Path:
    """Widen the root to hold every scanned path, so no output path starts with `..`."""
    for path in paths:
        resolved = path.resolve()
        while not _is_within(resolved, root) and root != root.parent:
            root = root.parent
    return root


def _is_within(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def _load(
    paths: Sequence[Path],
    root: Path,
    config: Config,
    cache_dir: Path | None,
    *,
    focus: set[str] | None,
    visit: Visit[T],
    context: Visit[T] | None = None,
) -> tuple[list[tuple[SourceUnit, T]], list[ParseError]]:
    """Discover, load and visit; with `focus`, only the units that bear on findings there."""
    from trustlint.discover import discover
    from trustlint.loading import visit_units

    excludes = list(config.root_excludes)
    project = None
    if cache_dir is not None:
        from trustlint.loading import namespace
        from trustlint.project_index import open_project_index, walk_id

        walk = walk_id(paths, excludes)
        project = open_project_index(cache_dir, root, namespace(config.load_options), walk)
    # A partial scan takes what did not change from the project index.
    if project is not None and focus is not None and context is not None:
        visited = _from_index(project, root, config, focus, visit, context, None)
        if visited is not None:
            return visited, []
    discovery = discover(paths, root, excludes, project)
    if project is not None and (discovery.errors or not all(p.is_dir() for p in paths)):
        project.walk_complete = False  # what the walk found is not only what its listings hold
    if project is not None and focus is not None and context is not None and project.loaded:
        # The tree changed (a file added or removed): walked again, the index
        # still answers for every source that did not change.
        from trustlint.loading import walked_sources

        walked = walked_sources(discovery.files, discovery.terraform_dirs, root)
        visited = _from_index(project, root, config, focus, visit, context, walked)
        if visited is not None:
            return visited, list(discovery.errors)
    units = visit_units(
        discovery.files,
        discovery.terraform_dirs,
        root,
        config.load_options,
        visit=visit,
        cache_dir=cache_dir,
        focus=focus,
        account_for_path=config.account_for_path,
        context=context,
        project=project,
    )
    return units, list(discovery.errors)


def _from_index(  # noqa: PLR0917 (the arguments of `visit_project`)
    project: ProjectIndex,
    root: Path,
    config: Config,
    focus: set[str],
    visit: Visit[T],
    context: Visit[T],
    walked: list[tuple[str, bool, str]] | None,
) -> list[tuple[SourceUnit, T]] | None:
    """`loading.visit_project` with this scan's settings; None when the index cannot tell."""
    from trustlint.loading import visit_project

    return visit_project(
        project,
        root,
        config.load_options,
        visit=visit,
        focus=focus,
        account_for_path=config.account_for_path,
        context=context,
        walked=walked,
    )


def _rule_ids() -> list[str]:
    """Every rule id the checks implement, without importing the graph checks."""
    from trustlint.checks import unit_checks

    return sorted({*unit_checks(), *GRAPH_RULES})


def _rule_selected(rule_id: str, config: Config, options: ScanOptions) -> bool:
    if rule_id in options.ignore:
        return False
    if options.select is not None:
        return rule_id in options.select
    return config.rule(rule_id).enabled is not False


def _parse_error_findings(
    units: list[SourceUnit], errors: list[ParseError], strict: bool
) -> list[Finding]:
    """TL000 for each error; a note (something left unread, such as a remote
    nested template) only with `--strict`."""
    all_errors = [
        error
        for error in (*errors, *(error for unit in units for error in unit.errors))
        if strict or error.level != "note"
    ]
    return [
        Finding(
            PARSE_ERROR,
            error.level,
            error.message,
            error.location,
            resource=error.location.path,
            subject=error.message,
        )
        for error in all_errors
    ]


def _apply_settings(findings: list[Finding], config: Config, options: ScanOptions) -> list[Finding]:
    """Config levels, and the config's `enabled` for TL000 (checks were filtered before)."""
    result = []
    for finding in findings:
        # --select / --ignore never hide TL000: a file that cannot be read is
        # never a pass (SPEC section 10); only the config can turn it off.
        if finding.rule_id == PARSE_ERROR and config.rule(PARSE_ERROR).enabled is False:
            continue
        level: Level | None = config.rule(finding.rule_id).level
        if level is not None and level != finding.level:
            finding = replace(finding, level=level)
        result.append(finding)
    return result


def _reported(finding: Finding, report_paths: set[str]) -> bool:
    """Whether a finding takes part in the given files: located there, or related there.

    Changing a role's trust so that a grant in another file no longer works
    must fail the hook that was given only the trust's file (SPEC section 10).
    """
    return touches(involved_paths(finding), report_paths)


def _apply_baseline(
    result: ScanResult, baseline: dict[str, dict[str, str]], scope: Sequence[str]
) -> None:
    """Mark accepted findings; an entry is stale only if its file was in this scan's scope."""
    present = {f.fingerprint for f in result.findings if f.suppression is None}
    result.baselined = present & set(baseline)
    result.stale_baseline = [
        entry
        for fingerprint, entry in sorted(baseline.items())
        if fingerprint not in present and _in_scope(entry.get("path", ""), scope)
    ]


def _in_scope(path: str, scope: Sequence[str]) -> bool:
    return any(
        item in (".", "") or path == item or path.startswith(item.rstrip("/") + "/")
        for item in scope
    )
