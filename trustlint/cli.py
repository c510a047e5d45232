"""The `trustlint` command: argument parsing and exit codes, nothing else.

Exit codes (SPEC section 5): 0 nothing at or above `--fail-on`; 1 findings at
or above it (TL000 included); 2 usage, config or internal error. A Python
traceback reaches the terminal only with `--debug`.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import io
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from trustlint import __version__
from trustlint.report.escaping import for_text
from trustlint.report.graph_formats import GRAPH_FORMATS, PATHS_FORMATS

if TYPE_CHECKING:
    from trustlint.findings import Finding
    from trustlint.results import ScanResult

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

SCAN_FORMATS = ("text", "json", "sarif", "github")


class UsageError(Exception):
    """A problem with the command line or its inputs (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"trustlint: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="trustlint",
        description="Static analysis of AWS IAM role trust policies and sts:AssumeRole grants "
        "in CloudFormation, Terraform and JSON.",
    )
    parser.add_argument("--version", action="version", version=f"trustlint {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show debug messages, and tracebacks of internal errors",
    )
    # `--debug` after the subcommand too (the internal-error hint suggests it there);
    # SUPPRESS keeps a subcommand without it from resetting one given before.
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    scan = commands.add_parser(
        "scan", parents=[common], help="scan files and directories (default: .)"
    )
    scan.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files or directories; - reads stdin"
    )
    scan.add_argument("--format", choices=SCAN_FORMATS, default="text")
    scan.add_argument(
        "-o",
        "--output",
        "--output-file",
        dest="output",
        type=Path,
        help="write the report here (default stdout)",
    )
    scan.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="with `scan -`: the name of the file read from stdin (format detection, output)",
    )
    scan.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    scan.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour text output (default auto: on a terminal, unless NO_COLOR is set)",
    )
    scan.add_argument("--config", type=Path, help="config file (default: nearest one found)")
    scan.add_argument(
        "--fail-on",
        choices=("error", "warning", "note", "never"),
        help="lowest level that fails the run (default warning)",
    )
    scan.add_argument("--select", help="only these rules, comma-separated (TL001,TL002)")
    scan.add_argument("--ignore", help="skip these rules, comma-separated")
    scan.add_argument("--baseline", type=Path, help="findings recorded here do not fail the run")
    scan.add_argument("--write-baseline", type=Path, metavar="FILE", help="record the findings")
    scan.add_argument("--strict", action="store_true", help="report undecidable places as notes")
    scan.add_argument("--show-suppressed", action="store_true", help="show suppressed findings")
    scan.add_argument("--no-cache", action="store_true", help="do not use the parse cache")

    rules = commands.add_parser("rules", parents=[common], help="list the rules")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")

    explain = commands.add_parser("explain", parents=[common], help="explain one rule")
    explain.add_argument("rule", metavar="RULE", help="rule id (TL001) or name")

    graph = commands.add_parser("graph", parents=[common], help="write the trust graph")
    graph.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    graph.add_argument("--format", choices=GRAPH_FORMATS, default=GRAPH_FORMATS[0])
    graph.add_argument("-o", "--output", type=Path)
    graph.add_argument("--config", type=Path)
    graph.add_argument("--no-cache", action="store_true")

    paths = commands.add_parser(
        "paths", parents=[common], help="who can reach a role, or where a principal goes"
    )
    paths.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    target = paths.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="ROLE", help="a role: its ARN, name or address")
    target.add_argument(
        "--from",
        dest="origin",
        metavar="PRINCIPAL",
        help="an ARN, a 12-digit account id, a service or an identity provider",
    )
    paths.add_argument("--format", choices=PATHS_FORMATS, default=PATHS_FORMATS[0])
    paths.add_argument("--max-hops", type=int, default=5, metavar="N", help="default 5")
    paths.add_argument("-o", "--output", type=Path)
    paths.add_argument("--config", type=Path)
    paths.add_argument("--no-cache", action="store_true")

    inspect = commands.add_parser(
        "inspect", parents=[common], help="print the extracted model as JSON"
    )
    inspect.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    inspect.add_argument("-o", "--output", type=Path)
    inspect.add_argument("--config", type=Path)
    inspect.add_argument("--no-cache", action="store_true")
    return parser


GC_YOUNG_THRESHOLD = 100_000
"""Allocations between collections of the cyclic garbage collector's young
generation while the command runs (Python's default is 700). A scan makes and
frees hundreds of thousands of objects, nearly all by reference counting (the
model has no cycles); collecting every 700 allocations cost a one-file scan
6-7 ms of its 100. Cycles are still collected, less often."""

_replaced_thresholds: tuple[int, ...] | None = None
"""The collector's thresholds, while `main` runs with its own."""


def _restore_thresholds_in_child() -> None:
    # Parsing makes cyclic garbage: a parse worker collecting it late grew
    # from 120 to 184 MB on 1,000 files.
    if _replaced_thresholds is not None:
        gc.set_threshold(*_replaced_thresholds)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_restore_thresholds_in_child)


def _escape_what_the_terminal_cannot_show() -> None:
    """Write `\\xe9` for what the output's encoding lacks, rather than fail the report.

    A role named `Réle` on a terminal set to ASCII or Latin-1 would otherwise
    end the run with UnicodeEncodeError after the scan.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    global _replaced_thresholds  # noqa: PLW0603 (the process's own setting)
    thresholds = _replaced_thresholds = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *thresholds[1:])
    # At exit, the interpreter's last collection walks every object left (10 ms
    # of a one-file scan, most of a second after a large one) to free memory the
    # operating system takes back anyway: put them beyond its reach first.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*thresholds)
        _replaced_thresholds = None


def _main(argv: Sequence[str] | None) -> int:
    _escape_what_the_terminal_cannot_show()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    if args.debug:
        _show_debug_messages()
    try:
        if args.command == "scan":
            return _scan(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "graph":
            return _graph(args)
        if args.command == "paths":
            return _paths(args)
        return _inspect(args)
    except UsageError as error:
        sys.stderr.write(f"trustlint: error: {for_text(str(error))}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("trustlint: interrupted\n")
        return EXIT_ERROR
    except Exception as error:
        from trustlint.baseline import BaselineError
        from trustlint.config import ConfigError

        if isinstance(error, ConfigError | BaselineError):
            # A config or baseline file may come from the change being checked.
            sys.stderr.write(f"trustlint: error: {for_text(str(error))}\n")
            return EXIT_ERROR
        if args.debug:
            import traceback

            traceback.print_exc()
        else:
            sys.stderr.write(
                f"trustlint: internal error: {type(error).__name__}: {for_text(str(error))}\n"
                "Run again with --debug for the traceback, and please report it.\n"
            )
        return EXIT_ERROR


def _show_debug_messages() -> None:
    """`--debug`: trustlint's own debug messages on stderr (why a cache entry
    was not used, what a partial scan read), escaped like all text output."""
    import logging

    class Escaped(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return for_text(super().format(record))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Escaped("trustlint: debug: %(message)s"))
    logger = logging.getLogger("trustlint")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def _rule_ids(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    from trustlint.catalogue import load_catalogue

    catalogue = load_catalogue()
    names = {rule.name: rule.id for rule in catalogue.values()}
    ids = set()
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        rule_id = names.get(item, item.upper())
        if catalogue and rule_id not in catalogue:
            raise UsageError(f"unknown rule '{item}' (see `trustlint rules`)")
        ids.add(rule_id)
    return frozenset(ids)


def _check_paths(paths: Sequence[Path]) -> None:
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{path}: no such file or directory")


def _write(text: str, output: Path | None) -> None:
    with _output_stream(output) as stream:
        stream.write(text)


@contextlib.contextmanager
def _output_stream(output: Path | None) -> Iterator[TextIO]:
    """stdout, or the file `output` (a usage error when it cannot be written)."""
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        # backslashreplace: a file name that is not UTF-8 is shown escaped, never an error.
        stream = open(output, "w", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror or error}") from None
    try:
        with stream:
            yield stream
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror or error}") from None


def _scan(args: argparse.Namespace) -> int:
    if any(str(path) == "-" for path in args.paths):
        if len(args.paths) != 1:
            raise UsageError("`-` (stdin) cannot be combined with other paths")
        return _scan_stdin(args)
    if args.stdin_filename is not None:
        raise UsageError("--stdin-filename is only for `scan -`")
    return _scan_paths(args)


def _scan_stdin(args: argparse.Namespace) -> int:
    """`scan -`: one file from stdin, named by `--stdin-filename` (else by its content).

    The text is written to a private temporary project under that name, so
    that format detection, positions and output paths are the file's own; the
    config is the one that applies where the named file would be.
    """
    import tempfile

    from trustlint.config import find_config

    data = sys.stdin.buffer.read()
    name = _stdin_name(args.stdin_filename, data)
    if args.config is None:
        args.config = find_config(Path(args.stdin_filename or ".").absolute().parent)
    with tempfile.TemporaryDirectory(prefix="trustlint-stdin-") as directory:
        project = Path(directory)
        (project / ".git").mkdir()  # the project root: output paths start below it
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        args.paths = [target]
        args.no_cache = True
        previous = Path.cwd()
        os.chdir(project)  # text output paths are relative to the working directory
        try:
            return _scan_paths(args)
        finally:
            os.chdir(previous)


def _stdin_name(given: str | None, data: bytes) -> str:
    """A project-relative name for stdin's file: the given one, without `..` or a root."""
    if given:
        parts = [part for part in Path(given).parts if part not in ("..", ".", "/", "\\")]
        parts = [part for part in parts if not Path(part).anchor]
        if parts:
            return Path(*parts).as_posix()
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return "stdin.json"
    if b'resource "' in data or b'data "' in data or b"locals {" in data:
        return "stdin.tf"
    return "stdin.yaml"


def _scan_paths(args: argparse.Namespace) -> int:
    from trustlint.engine import ScanOptions, run_scan

    _check_paths(args.paths)
    baseline = None
    if args.baseline:
        from trustlint.baseline import read_baseline

        baseline = read_baseline(args.baseline)
    options = ScanOptions(
        paths=tuple(args.paths),
        config_path=args.config,
        select=_rule_ids(args.select),
        ignore=_rule_ids(args.ignore) or frozenset(),
        strict=args.strict,
        use_cache=not args.no_cache,
        baseline=baseline,
        line_hashes=args.format == "sarif",
    )
    with contextlib.nullcontext() if args.quiet else _progress():
        result = run_scan(options)
    if not args.quiet:
        _warn_when_nothing_was_read(args.paths, result)
    shown = result.findings if args.show_suppressed else result.active
    if args.show_suppressed:
        shown = [f for f in shown if f.fingerprint not in result.baselined]
    _report(args, result, shown)
    if args.write_baseline:
        from trustlint.baseline import write_baseline

        count = write_baseline(args.write_baseline, result.findings)
        entries = "1 finding" if count == 1 else f"{count} findings"
        if not args.quiet:
            sys.stderr.write(f"trustlint: wrote {entries} to the baseline {args.write_baseline}\n")
        return EXIT_OK
    fail_on = args.fail_on or result.config.fail_on or "warning"
    return EXIT_FINDINGS if result.fails(fail_on) else EXIT_OK


def _warn_when_nothing_was_read(paths: Sequence[Path], result: ScanResult) -> None:
    """A wrong `paths:` in CI would otherwise pass forever with "0 findings in 0 files".

    Only for directories: pre-commit passes files such as `package.json` that
    are rightly not IaC, and a word for each would be noise.
    """
    given = paths or [Path(".")]
    directories = [path for path in given if path.is_dir()]
    if not directories or len(directories) != len(given):
        return
    if result.units or result.errors or result.findings:
        return
    where = ", ".join(str(path) for path in directories)
    sys.stderr.write(
        f"trustlint: warning: no CloudFormation, Terraform or policy files found under {where}\n"
    )


def _report(args: argparse.Namespace, result: ScanResult, findings: list[Finding]) -> None:
    """Write the report; JSON and SARIF are written as they are built (they can be large)."""
    fmt: str = args.format
    output: Path | None = args.output
    if fmt == "json":
        from trustlint.report.json_report import write_json

        with _output_stream(output) as stream:
            write_json(stream, result, findings)
        return
    if fmt == "sarif":
        from trustlint.report.sarif import write_sarif

        with _output_stream(output) as stream:
            write_sarif(stream, result, findings, show_suppressed=args.show_suppressed)
        return
    if fmt == "github":
        from trustlint.report.github import render_github

        _write(render_github(result, findings), output)
        return
    from trustlint.report.text import render_text, use_colour

    colour = use_colour(sys.stdout if output is None else None, args.color)
    _write(render_text(result, findings, colour=colour, summary=not args.quiet), output)


PROGRESS_AFTER_SECONDS = 2.0
"""How long a scan runs before the progress line appears."""


@contextlib.contextmanager
def _progress() -> Iterator[None]:
    """A progress line on stderr once a scan has run two seconds, on a terminal only.

    Never in CI logs (`CI` set) or under pre-commit, where a line rewritten
    with carriage returns is only noise: pre-commit gives its hooks a
    pseudo-terminal when it prints in colour, so `PRE_COMMIT` (which it sets
    for every hook) is what tells.
    """
    isatty = getattr(sys.stderr, "isatty", None)
    quiet_places = ("CI", "PRE_COMMIT")
    if (
        not (isatty and isatty())
        or any(os.environ.get(name) for name in quiet_places)
        or os.environ.get("TERM") == "dumb"
    ):
        yield
        return
    import threading
    import time

    started = time.monotonic()
    done = threading.Event()
    shown = threading.Event()

    def show() -> None:
        if done.wait(PROGRESS_AFTER_SECONDS):
            return
        while not done.is_set():
            shown.set()
            elapsed = time.monotonic() - started
            sys.stderr.write(f"\rtrustlint: scanning... {elapsed:.0f} s")
            sys.stderr.flush()
            done.wait(1.0)

    thread = threading.Thread(target=show, name="trustlint-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        if shown.is_set():
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _rules(args: argparse.Namespace) -> int:
    from trustlint.report.rules_doc import render_rules

    _write(render_rules(args.format), None)
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from trustlint.report.rules_doc import render_explain

    text = render_explain(args.rule)
    if text is None:
        raise UsageError(f"unknown rule '{args.rule}' (see `trustlint rules`)")
    _write(text, None)
    return EXIT_OK


def _graph(args: argparse.Namespace) -> int:
    from trustlint.engine import ScanOptions, run_scan
    from trustlint.project import Project
    from trustlint.project_paths import named_project_paths
    from trustlint.report.graph_export import render_graph

    _check_paths(args.paths)
    # A scan, so that edges are marked with the findings `scan` would report (config
    # levels, selections and suppressions applied); named files still see the project.
    result = run_scan(
        ScanOptions(
            paths=tuple(args.paths),
            config_path=args.config,
            use_cache=not args.no_cache,
            keep_graph=True,
        )
    )
    units = result.units
    graph, reach = result.graph, result.reach
    named = {
        name
        for path in args.paths
        if path.is_file()
        for name in named_project_paths(path, result.root)
    }
    if named:
        units = [unit for unit in units if named & {unit.unit, *unit.paths}]
        graph = reach = None  # the scan's graph is of the whole project, not these units
    project = Project(units, result.config)
    rendered = render_graph(project, args.format, result.active, graph=graph, reach=reach)
    _write(rendered, args.output)
    return EXIT_OK


def _paths(args: argparse.Namespace) -> int:
    from trustlint.engine import load_project
    from trustlint.graph import build_graph
    from trustlint.graph.path_query import UnknownNameError, account_names, find_paths
    from trustlint.graph.paths import reach_index
    from trustlint.report.paths_report import render_paths

    if args.max_hops < 1:
        raise UsageError("--max-hops must be at least 1")
    _check_paths(args.paths)
    project = load_project(tuple(args.paths), args.config, not args.no_cache)
    graph = build_graph(project)
    index = reach_index(graph)
    direction, text = ("to", args.to) if args.to is not None else ("from", args.origin)
    try:
        query, found, truncated = find_paths(index, direction, text, args.max_hops)
    except UnknownNameError as error:
        raise UsageError(str(error)) from None
    labels = account_names(graph, index)
    _write(render_paths(index, query, found, truncated, args.format, labels=labels), args.output)
    return EXIT_OK


def _inspect(args: argparse.Namespace) -> int:
    from trustlint.engine import load_project
    from trustlint.report.inspect import render_inspect

    _check_paths(args.paths)
    project = load_project(tuple(args.paths), args.config, not args.no_cache)
    _write(render_inspect(project.units), args.output)
    return EXIT_OK
