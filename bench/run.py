#!/usr/bin/env python3
"""Benchmark trustlint on generated corpora and write `docs/benchmark.md`.

    python bench/run.py                      # 100, 1,000 and 10,000 files, 5 runs each
    python bench/run.py --sizes 100 1000 --runs 3 --work /tmp/tl-bench
    python bench/run.py --profile            # add cProfile listings to the report

Corpora come from `bench/gen_corpus.py` with a fixed seed, so every run of the
benchmark reads the same files. Each measurement is a fresh process (as a user
or CI runs it); the report quotes the median of `--runs` runs. Peak RSS is
`ru_maxrss` of the measured process and its children (parse workers
included), taken by a small wrapper process.

Measured, per corpus size:

- full scan, SARIF output, `--no-cache` and with a warm parse cache;
- the parse floor: discovery plus `trustlint.loading.load_units` alone,
  uncached, in a subprocess: what parsing the files costs, with nothing else;
- checkov on the same corpus restricted to its assume-role checks, when
  checkov is importable (`pip install -e ".[bench]"` in this repository).

On the 1,000-file corpus, made a git repository: one-file scans as the
pre-commit hook runs them (text output, the file passed by name), for a small
YAML template and a small Terraform file, with a cold (empty) and a warm
cache. And the import time of `trustlint scan` for one YAML file. And what role
chains cost there, warm cache: a full scan with and without TL014 (`--ignore
TL014`), and `trustlint paths --to ROLE` for the corpus role that the most
matching grants name (from the generator's manifest). And, on the 1,000-file
corpus, the parse floor against a `--no-cache` scan writing text, JSON and
SARIF, taken in turn run after run (`--no-formats` to skip).

Python writes no bytecode caches when PYTHONDONTWRITEBYTECODE is set; the
benchmark unsets it for the measured processes and warms them up once, as an
installed package (compiled at install) would run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
GENERATOR = REPOSITORY / "bench" / "gen_corpus.py"
REPORT = REPOSITORY / "docs" / "benchmark.md"
SEED = 7
SIZES = (100, 1000, 10000)
PRE_COMMIT_SIZE = 1000
CHECKOV_CHECKS = ("CKV_AWS_60", "CKV_AWS_61", "CKV_AWS_358", "CKV_AWS_393")
"""checkov's checks of trust policies and sts:AssumeRole grants; others whose
name mentions role assumption are added when checkov is installed."""
RACY_WAIT_SECONDS = 2.5
"""The parse cache hashes files changed in the last two seconds again on
every run; a repository's files are older than that, so let the corpus age."""

_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
completed = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"wall": wall, "rss_kb": usage.ru_maxrss, "rc": completed.returncode,
               "stderr": completed.stderr.decode(errors="replace")[-2000:]}, out)
"""

_FLOOR = """
import sys
from pathlib import Path
from trustlint.discover import discover
from trustlint.config import LoadOptions
from trustlint.loading import load_units
root = Path(sys.argv[1]).resolve()
found = discover([root], root, [])
units = load_units(found.files, found.terraform_dirs, root, LoadOptions())
print(len(units))
"""


@dataclass
class Sample:
    wall: float
    rss_mb: float


@dataclass
class Measurement:
    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(sample.wall for sample in self.samples)

    @property
    def rss_mb(self) -> float:
        return statistics.median(sample.rss_mb for sample in self.samples)


def snapshot(target: Path) -> Path:
    """A copy of the package to measure, so that edits made meanwhile change nothing.

    The parse cache is keyed by the code (version and module mtimes): measured
    against a working tree someone is editing, a warm cache would go cold.
    """
    shutil.rmtree(target, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPOSITORY / "trustlint", target / "trustlint", ignore=ignore)
    if (REPOSITORY / "rules").is_dir():
        shutil.copytree(REPOSITORY / "rules", target / "rules", ignore=ignore)
    return target


class Runner:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.code = snapshot(work / "code")
        self.environment = dict(os.environ)
        self.environment.pop("PYTHONDONTWRITEBYTECODE", None)
        self.environment["PYTHONPATH"] = os.pathsep.join(
            [str(self.code), *filter(None, [os.environ.get("PYTHONPATH")])]
        )

    def run(
        self,
        command: Sequence[str],
        cwd: Path,
        *,
        cache: Path | None = None,
        check: bool = True,
    ) -> Sample:
        """One measured run of `command` in a fresh process."""
        environment = dict(self.environment)
        if cache is not None:
            environment["TRUSTLINT_CACHE_DIR"] = str(cache)
        with tempfile.NamedTemporaryFile("r", suffix=".json", dir=self.work) as result:
            subprocess.run(
                [sys.executable, "-c", _WRAPPER, result.name, *command],
                cwd=cwd,
                env=environment,
                check=True,
            )
            data = json.load(result)
        if check and data["rc"] not in (0, 1):
            raise RuntimeError(f"{' '.join(command)} failed ({data['rc']}):\n{data['stderr']}")
        return Sample(data["wall"], data["rss_kb"] / 1024)

    def repeat(
        self, name: str, command: Sequence[str], cwd: Path, runs: int, **kwargs: object
    ) -> Measurement:
        measurement = Measurement(name)
        for _ in range(runs):
            measurement.samples.append(self.run(command, cwd, **kwargs))  # type: ignore[arg-type]
        print(f"  {name}: {measurement.wall:.3f} s, {measurement.rss_mb:.0f} MB", flush=True)
        return measurement


def trustlint(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "trustlint", *arguments]


def manifest_of(directory: Path) -> Path:
    """The generator's ground truth for a corpus, kept beside it (never inside)."""
    return directory.with_suffix(".jsonl")


def generate(directory: Path, count: int) -> None:
    if (
        directory.is_dir()
        and manifest_of(directory).is_file()
        and sum(1 for _ in directory.rglob("*") if _.is_file()) >= count
    ):
        return
    shutil.rmtree(directory, ignore_errors=True)
    options = ["--out", str(directory), "--count", str(count), "--seed", str(SEED), "--quiet"]
    options += ["--manifest", str(manifest_of(directory))]
    subprocess.run([sys.executable, str(GENERATOR), *options], check=True)


def make_git_repository(directory: Path) -> None:
    if (directory / ".git").exists():
        return
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q", "."], cwd=directory, check=True)
    subprocess.run([*git, "add", "-A"], cwd=directory, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "corpus"], cwd=directory, check=True)


def smallest(directory: Path, suffixes: tuple[str, ...], needle: str) -> Path:
    """The smallest file with one of `suffixes` that holds `needle` (an IAM role)."""
    candidates = sorted(
        (path.stat().st_size, path)
        for path in directory.rglob("*")
        if path.name.endswith(suffixes) and ".git" not in path.parts
    )
    for _, path in candidates:
        if needle in path.read_text(encoding="utf-8", errors="replace"):
            return path
    raise RuntimeError(f"no {suffixes} file with {needle} under {directory}")


def checkov_checks(executable: str | None) -> list[str] | None:
    """The assume-role checks of checkov; None when checkov is not there.

    `executable` is a `checkov` command (perhaps from a virtualenv of its own:
    its pinned dependencies need not fit ours); else checkov must be
    importable here.
    """
    if executable is not None:
        return list(CHECKOV_CHECKS) if shutil.which(executable) else None
    try:
        from checkov.common.checks_infra.registry import (  # type: ignore[import-not-found]
            get_graph_checks_registry,
        )
        from checkov.terraform.checks.resource.registry import (  # type: ignore[import-not-found]
            resource_registry,
        )
    except ImportError:
        return None
    found = set(CHECKOV_CHECKS)
    try:
        checks = [check for group in resource_registry.checks.values() for check in group]
        checks += get_graph_checks_registry("terraform").checks
        for check in checks:
            if "assume" in str(getattr(check, "name", "")).lower():
                found.add(check.id)
    except Exception:  # the registries are internal API: keep the known ids
        pass
    return sorted(found)


def import_time(
    runner: Runner, corpus: Path, target: Path
) -> tuple[float, list[tuple[float, str]]]:
    """Total and largest top-level imports of `trustlint scan target`, in ms."""
    environment = dict(runner.environment)
    environment["TRUSTLINT_CACHE_DIR"] = str(corpus.parent / "cache-import")
    command = [sys.executable, "-X", "importtime", "-m", "trustlint", "scan", str(target)]
    subprocess.run(command, cwd=corpus, env=environment, capture_output=True, check=False)
    completed = subprocess.run(
        command, cwd=corpus, env=environment, capture_output=True, text=True, check=False
    )
    rows = []
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if len(name) - len(name.lstrip()) == 1:
            rows.append((int(cumulative) / 1000, name.strip()))
    return sum(ms for ms, _ in rows), sorted(rows, reverse=True)[:8]


def profile(runner: Runner, corpus: Path, arguments: Sequence[str], cache: Path | None) -> str:
    """cProfile's top functions (cumulative) for one trustlint run."""
    output = runner.work / "profile.out"
    environment = dict(runner.environment)
    if cache is not None:
        environment["TRUSTLINT_CACHE_DIR"] = str(cache)
        # Fill the cache first: the code may have changed since it was written.
        subprocess.run(
            [sys.executable, "-m", "trustlint", *arguments],
            cwd=corpus,
            env=environment,
            capture_output=True,
            check=False,
        )
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(output), "-m", "trustlint", *arguments],
        cwd=corpus,
        env=environment,
        capture_output=True,
        check=False,
    )
    import io
    import pstats

    text = io.StringIO()
    pstats.Stats(str(output), stream=text).sort_stats("cumulative").print_stats(25)
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    return "\n".join(lines[start:])


@dataclass
class CorpusResult:
    size: int
    files: int
    megabytes: float
    floor: Measurement
    uncached: Measurement
    warm: Measurement
    checkov: Measurement | None = None


def saved_result(path: Path) -> CorpusResult:
    """A corpus's measurements as an earlier run saved them (`--reuse`)."""
    data = json.loads(path.read_text())

    def measurement(value: dict[str, object] | None) -> Measurement | None:
        if value is None:
            return None
        samples = [Sample(**sample) for sample in value["samples"]]  # type: ignore[attr-defined]
        return Measurement(str(value["name"]), samples)

    return CorpusResult(
        data["size"],
        data["files"],
        data["megabytes"],
        measurement(data["floor"]),  # type: ignore[arg-type]
        measurement(data["uncached"]),  # type: ignore[arg-type]
        measurement(data["warm"]),  # type: ignore[arg-type]
        measurement(data["checkov"]),
    )


def bench_corpus(runner: Runner, size: int, runs: int, keep_checkov: bool = False) -> CorpusResult:
    saved = runner.work / f"results-{size}.json"
    earlier = saved_result(saved).checkov if keep_checkov and saved.is_file() else None
    result = _bench_corpus(runner, size, runs)
    result.checkov = earlier
    saved.write_text(json.dumps(asdict(result), indent=1))
    return result


def bench_checkov(
    runner: Runner, result: CorpusResult, runs: int, checks: list[str], executable: str
) -> None:
    """checkov on the corpus, restricted to `checks`; kept beside the corpus's figures."""
    corpus = runner.work / f"corpus-{result.size}"
    command = [shutil.which(executable) or executable, "-d", ".", "--quiet", "--compact"]
    command += ["--skip-download"]  # no guidelines fetched from its vendor's API
    command += ["--check", ",".join(checks), "-o", "sarif"]
    command += ["--output-file-path", str(runner.work)]
    result.checkov = runner.repeat(
        "checkov (assume-role checks)", command, corpus, runs, check=False
    )
    saved = runner.work / f"results-{result.size}.json"
    saved.write_text(json.dumps(asdict(result), indent=1))


def _bench_corpus(runner: Runner, size: int, runs: int) -> CorpusResult:
    corpus = runner.work / f"corpus-{size}"
    generate(corpus, size)
    files = [path for path in corpus.rglob("*") if path.is_file() and ".git" not in path.parts]
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    print(f"corpus of {size} files ({megabytes:.1f} MB)", flush=True)
    time.sleep(RACY_WAIT_SECONDS)
    sarif = runner.work / f"corpus-{size}.sarif"
    scan = trustlint("scan", ".", "--format", "sarif", "-o", str(sarif))
    runs = 3 if size >= 10000 else runs
    floor = runner.repeat("parse floor", [sys.executable, "-c", _FLOOR, "."], corpus, runs)
    uncached = runner.repeat("full scan --no-cache", [*scan, "--no-cache"], corpus, runs)
    cache = runner.work / f"cache-{size}"
    shutil.rmtree(cache, ignore_errors=True)
    runner.run(scan, corpus, cache=cache)
    warm = runner.repeat("full scan, warm cache", scan, corpus, runs, cache=cache)
    return CorpusResult(size, len(files), megabytes, floor, uncached, warm)


@dataclass
class PreCommitResult:
    yaml_file: str
    tf_file: str
    rows: list[tuple[str, Measurement]]
    import_ms: float
    imports: list[tuple[float, str]]


def bench_pre_commit(runner: Runner, runs: int) -> PreCommitResult:
    corpus = runner.work / f"corpus-{PRE_COMMIT_SIZE}"
    generate(corpus, PRE_COMMIT_SIZE)
    make_git_repository(corpus)
    yaml_file = smallest(corpus, (".yaml", ".yml"), "AWS::IAM::Role")
    tf_file = smallest(corpus, (".tf",), "aws_iam_role")
    print(f"pre-commit scans in a {PRE_COMMIT_SIZE}-file git repository", flush=True)
    rows = []
    for label, target in (("YAML", yaml_file), ("Terraform", tf_file)):
        relative = str(target.relative_to(corpus))
        command = trustlint("scan", relative)
        cold = Measurement(f"{label} file, cold cache")
        for run in range(min(runs, 3)):
            cache = runner.work / f"cache-cold-{run}"
            shutil.rmtree(cache, ignore_errors=True)
            cold.samples.append(runner.run(command, corpus, cache=cache))
        print(f"  {cold.name}: {cold.wall:.3f} s", flush=True)
        warm_cache = runner.work / "cache-pre-commit"
        runner.run(command, corpus, cache=warm_cache)
        warm = runner.repeat(
            f"{label} file, warm cache", command, corpus, max(runs, 10), cache=warm_cache
        )
        rows += [(relative, cold), (relative, warm)]
    import_ms, imports = import_time(runner, corpus, yaml_file)
    return PreCommitResult(
        str(yaml_file.relative_to(corpus)),
        str(tf_file.relative_to(corpus)),
        rows,
        import_ms,
        imports,
    )


@dataclass
class ChainResult:
    role: str
    rows: list[Measurement]


def chain_target(corpus: Path) -> str:
    """The name of the corpus role that the most matching grants name (ties: by ARN).

    Bare trust documents are left out: they carry no role name to ask for.
    """
    records = [json.loads(line) for line in manifest_of(corpus).read_text().splitlines()]
    roles = {
        record["arn"]
        for record in records
        if record["kind"] == "role" and record.get("style") != "trust-doc"
    }
    counts: dict[str, int] = {}
    for record in records:
        if record["kind"] == "grant" and record["matching"] and record["target_arn"] in roles:
            counts[record["target_arn"]] = counts.get(record["target_arn"], 0) + 1
    arn = min(counts, key=lambda target: (-counts[target], target))
    return arn.rsplit("/", 1)[1]


def bench_chains(runner: Runner, runs: int) -> ChainResult:
    """What TL014 and `trustlint paths --to` add to a scan, warm cache."""
    corpus = runner.work / f"corpus-{PRE_COMMIT_SIZE}"
    generate(corpus, PRE_COMMIT_SIZE)
    role = chain_target(corpus)
    print(f"role chains on {PRE_COMMIT_SIZE} files (paths --to {role})", flush=True)
    sarif = runner.work / "chains.sarif"
    scan = trustlint("scan", ".", "--format", "sarif", "-o", str(sarif))
    commands = [
        ("full scan", scan),
        ("full scan `--ignore TL014`", [*scan, "--ignore", "TL014"]),
        (f"`paths --to {role}`", trustlint("paths", "--to", role, ".")),
    ]
    cache = runner.work / "cache-chains"
    for _, command in commands:
        runner.run(command, corpus, cache=cache)
    # Taken in turn, run after run, so that a load that drifts meanwhile (a shared
    # machine) weighs on every command alike.
    rows = [Measurement(name) for name, _ in commands]
    for _ in range(runs):
        for row, (_, command) in zip(rows, commands, strict=True):
            row.samples.append(runner.run(command, corpus, cache=cache))
    for row in rows:
        print(f"  {row.name}: {row.wall:.3f} s, {row.rss_mb:.0f} MB", flush=True)
    return ChainResult(role, rows)


FORMATS_SIZE = 1000
"""The corpus on which each output format is set against the parse floor."""


def bench_formats(runner: Runner, runs: int) -> list[Measurement]:
    """The parse floor and a `--no-cache` scan in each output format, 1,000 files.

    Taken in turn, run after run (as `bench_chains`), so that a load that drifts
    meanwhile weighs on each alike: the ratios to the floor are what this shows.
    """
    corpus = runner.work / f"corpus-{FORMATS_SIZE}"
    generate(corpus, FORMATS_SIZE)
    print(f"output formats against the parse floor on {FORMATS_SIZE} files", flush=True)
    commands = [("parse floor", [sys.executable, "-c", _FLOOR, "."])]
    for output in ("text", "json", "sarif"):
        target = str(runner.work / f"formats.{output}")
        scan = trustlint("scan", ".", "--no-cache", "--format", output, "-o", target)
        commands.append((f"scan `--no-cache --format {output}`", scan))
    rows = [Measurement(name) for name, _ in commands]
    for _ in range(runs):
        for row, (_, command) in zip(rows, commands, strict=True):
            row.samples.append(runner.run(command, corpus))
    for row in rows:
        print(f"  {row.name}: {row.wall:.3f} s, {row.rss_mb:.0f} MB", flush=True)
    return rows


def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cores} usable CPU cores ({model}), Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}"
    )


def _checkov_run_count(corpora: list[CorpusResult], default: int) -> int:
    counts = [len(result.checkov.samples) for result in corpora if result.checkov is not None]
    return max(counts) if counts else default


def render(
    corpora: list[CorpusResult],
    pre_commit: PreCommitResult | None,
    runs: int,
    checks: list[str] | None,
    profiles: list[tuple[str, str]],
    *,
    chains: ChainResult | None = None,
    formats: list[Measurement] | None = None,
    checkov_max_files: int = 10000,
    checkov_runs: int = 3,
) -> str:
    lines = [
        "# Benchmark",
        "",
        "Written by `python bench/run.py` (see its docstring for what each figure measures;",
        "rerun it to refresh this page). Times are wall-clock seconds, the median of",
        f"{runs} runs (3 for 10,000 files); peak RSS is the largest process, parse workers",
        "included. Corpora are generated by `bench/gen_corpus.py` with seed 7: CloudFormation",
        "YAML and JSON, Terraform modules and IAM JSON exports, 1 to 20 roles a file, padded",
        "to 1-500 KB with other resources.",
        "",
        f"Machine: {machine()}.",
        "",
        "To run it: `pip install -e .[bench]` (checkov is optional), then",
        "`python bench/run.py` (about half an hour on two cores; `--sizes 100 1000 --runs 3`",
        "for a quick look, `--work DIR` to keep the corpora and caches between runs,",
        "`--profile` to append cProfile listings, `--output FILE` to write elsewhere).",
        "",
        "## Full scans (SARIF output)",
        "",
        "| files | MB | parse floor | scan `--no-cache` | scan, warm cache | ms/file (no cache) "
        "| vs floor | peak RSS (no cache) | peak RSS (warm) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in corpora:
        lines.append(
            f"| {result.files:,} | {result.megabytes:.0f} | {result.floor.wall:.2f} s "
            f"| {result.uncached.wall:.2f} s | {result.warm.wall:.2f} s "
            f"| {result.uncached.wall / result.files * 1000:.1f} "
            f"| {result.uncached.wall / result.floor.wall:.2f}x "
            f"| {result.uncached.rss_mb:.0f} MB | {result.warm.rss_mb:.0f} MB |"
        )
    if formats is not None:
        floor = formats[0]
        lines += [
            "",
            f"## Output formats against the parse floor ({FORMATS_SIZE:,} files, `--no-cache`)",
            "",
            "The floor and a scan writing each format, taken in turn run after run (the",
            "machine may be shared: drift weighs on each alike); the median of "
            f"{len(floor.samples)} runs.",
            "The floor is the loaders alone; a SARIF scan also takes GitHub's line hash of",
            "each line a unit's locations are on, in the parse workers (the other formats",
            "do not).",
            "",
            "| command | median | vs floor | peak RSS |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {row.name} | {row.wall:.2f} s | {row.wall / floor.wall:.2f}x "
            f"| {row.rss_mb:.0f} MB |"
            for row in formats
        ]
    lines += ["", "## checkov, same corpora", ""]
    if checks is None:
        lines.append(
            "checkov is not installed here (`pip install -e '.[bench]'` in this repository "
            "includes it); not measured."
        )
    else:
        lines += [
            f"Restricted to its assume-role checks: {', '.join(checks)}; the median of "
            f"{_checkov_run_count(corpora, checkov_runs)} run(s).",
            "",
            "| files | checkov | trustlint `--no-cache` | checkov / trustlint | checkov peak RSS |",
            "|---:|---:|---:|---:|---:|",
        ]
        skipped = [f"{r.files:,}" for r in corpora if r.checkov is None]
        for result in corpora:
            if result.checkov is not None:
                lines.append(
                    f"| {result.files:,} | {result.checkov.wall:.2f} s "
                    f"| {result.uncached.wall:.2f} s "
                    f"| {result.checkov.wall / result.uncached.wall:.1f}x "
                    f"| {result.checkov.rss_mb:.0f} MB |"
                )
        if skipped:
            lines += [
                "",
                f"Not run on {', '.join(skipped)} files (`--checkov-max-files "
                f"{checkov_max_files}`).",
            ]
    if pre_commit is not None:
        lines += [
            "",
            f"## One-file scans as pre-commit runs them ({PRE_COMMIT_SIZE:,}-file git repository)",
            "",
            "`trustlint scan FILE` with text output. The whole repository is read so that",
            "cross-file rules see it, but only the units that can bear on findings in FILE",
            "are loaded (`trustlint.graph.links.related`); a cold cache parses every file once.",
            "",
            "| file | cache | median | peak RSS |",
            "|---|---|---:|---:|",
        ]
        for relative, measurement in pre_commit.rows:
            cache = "cold (empty)" if "cold" in measurement.name else "warm"
            lines.append(
                f"| `{relative}` | {cache} | {measurement.wall * 1000:.0f} ms "
                f"| {measurement.rss_mb:.0f} MB |"
            )
        lines += [
            "",
            f"Import time of `trustlint scan {pre_commit.yaml_file}` (`python -X importtime`): "
            f"{pre_commit.import_ms:.0f} ms in all; largest top-level imports:",
            "",
        ]
        lines += [f"- `{name}`: {ms:.1f} ms" for ms, name in pre_commit.imports]
    if chains is not None:
        full, without, paths = chains.rows
        lines += [
            "",
            f"## Role chains: TL014 and `trustlint paths` ({PRE_COMMIT_SIZE:,} files, warm cache)",
            "",
            f"TL014 adds {(full.wall / without.wall - 1) * 100:+.0f}% to the scan (full scan vs "
            "`--ignore TL014`); `paths --to` takes "
            f"{paths.wall / without.wall * 100:.0f}% of the time of a scan without TL014.",
            "",
            "| command | median | vs `--ignore TL014` | peak RSS |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {row.name} | {row.wall:.2f} s | {row.wall / without.wall:.2f}x "
            f"| {row.rss_mb:.0f} MB |"
            for row in chains.rows
        ]
    lines += [
        "",
        "## Targets (2 cores)",
        "",
        "- one-file pre-commit scan, warm cache: 100 ms median or less;",
        "- full 1,000-file scan: at most 1.5x the parse floor;",
        "- SARIF `--no-cache` scan of 1,000 files: at most 1.3x the parse floor;",
        "- 10,000 files: peak RSS 300 MB or less, time linear in the number of files.",
    ]
    for title, text in profiles:
        lines += ["", f"## Profile: {title}", "", "```", text, "```"]
    return "\n".join(lines) + "\n"


KEPT_SECTIONS = (("<!-- one-file:start -->", "<!-- one-file:end -->"),)
"""Sections other scripts write into the report (`bench/one_file.py`): kept as they are."""


def kept_sections(report: Path) -> str:
    """The sections of the old report that other scripts wrote, to append to the new one."""
    try:
        old = report.read_text(encoding="utf-8")
    except OSError:
        return ""
    kept = []
    for start, end in KEPT_SECTIONS:
        first = old.find(start)
        last = old.find(end, first)
        if first >= 0 and last >= 0:
            kept.append(old[first : last + len(end)])
    return "".join(f"\n{section}\n" for section in kept)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--work", type=Path, help="where corpora and caches go (default: temp)")
    parser.add_argument("--output", type=Path, default=REPORT)
    parser.add_argument("--no-pre-commit", action="store_true")
    parser.add_argument("--no-chains", action="store_true", help="skip the TL014/paths figures")
    parser.add_argument(
        "--no-formats", action="store_true", help="skip the output formats against the floor"
    )
    parser.add_argument("--profile", action="store_true", help="add cProfile listings")
    parser.add_argument(
        "--checkov",
        metavar="COMMAND",
        help="the checkov command to compare with (default: checkov if importable here)",
    )
    parser.add_argument("--checkov-runs", type=int, default=3, metavar="N")
    parser.add_argument(
        "--keep-checkov",
        action="store_true",
        help="keep checkov's figures from an earlier run in the same --work (they do not "
        "depend on trustlint) instead of running it again",
    )
    parser.add_argument(
        "--checkov-max-files",
        type=int,
        default=10000,
        metavar="N",
        help="run checkov only on corpora of at most N files",
    )
    parser.add_argument(
        "--reuse",
        type=int,
        nargs="+",
        default=[],
        metavar="SIZE",
        help="take these sizes' figures from an earlier run in the same --work",
    )
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="trustlint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    runner = Runner(work.resolve())
    available = checkov_checks(args.checkov)
    checks = available
    corpora = [
        saved_result(runner.work / f"results-{size}.json")
        if size in args.reuse
        else bench_corpus(runner, size, args.runs, args.keep_checkov)
        for size in args.sizes
    ]
    if checks is None and any(result.checkov is not None for result in corpora):
        checks = list(CHECKOV_CHECKS)  # figures kept from an earlier run
    if available is not None:
        for result in corpora:
            if result.checkov is None and result.size <= args.checkov_max_files:
                print(f"checkov on {result.size} files", flush=True)
                bench_checkov(runner, result, args.checkov_runs, checks, args.checkov or "checkov")
    pre_commit = None if args.no_pre_commit else bench_pre_commit(runner, args.runs)
    chains = None if args.no_chains else bench_chains(runner, args.runs)
    formats = None if args.no_formats else bench_formats(runner, min(args.runs, 3))
    profiles = []
    if args.profile:
        for size in (1000, PRE_COMMIT_SIZE):
            corpus = runner.work / f"corpus-{size}"
            if corpus.is_dir():
                scan = ["scan", ".", "--format", "sarif", "-o", str(runner.work / "p.sarif")]
                profiles.append(
                    (
                        f"full scan of {size:,} files, warm cache",
                        profile(runner, corpus, scan, runner.work / f"cache-{size}"),
                    )
                )
                break
        if pre_commit is not None:
            corpus = runner.work / f"corpus-{PRE_COMMIT_SIZE}"
            profiles.append(
                (
                    f"one-file scan of {pre_commit.yaml_file}, warm cache",
                    profile(
                        runner,
                        corpus,
                        ["scan", pre_commit.yaml_file],
                        runner.work / "cache-pre-commit",
                    ),
                )
            )
    report = render(
        corpora,
        pre_commit,
        args.runs,
        checks,
        profiles,
        chains=chains,
        formats=formats,
        checkov_max_files=args.checkov_max_files,
        checkov_runs=args.checkov_runs,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report + kept_sections(args.output), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
