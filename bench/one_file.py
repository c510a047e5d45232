"""One-file scans as pre-commit runs them, against the size of the repository.

For each size: a generated corpus in a git repository, a warm cache (one full
scan, then the corpus ages past the cache's racy window), then each measured
run first edits one file (a comment appended: new bytes, same findings) and
runs `trustlint scan FILE` on it in a fresh process. Sizes are taken in turn,
run after run, so that load on a shared machine weighs on each alike.

Two files are measured in each repository:

- the same probe template (`PROBE`), added to every corpus: one role trusted
  by an account no other file names, so its scan has the same work in every
  repository and what changes is the repository's size alone;
- the smallest generated YAML template with a role: a file of the corpus,
  with the units it shares names and accounts with (their number is shown;
  it differs from corpus to corpus).

    python bench/one_file.py --sizes 200 3000 10000 --runs 7

prints a Markdown table (and, with `--output`, writes it between the
`one-file` markers of that file).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    RACY_WAIT_SECONDS,
    Measurement,
    Runner,
    generate,
    machine,
    make_git_repository,
    smallest,
    trustlint,
)

SIZES = (200, 3000, 10000)
MARKERS = ("<!-- one-file:start -->", "<!-- one-file:end -->")
PROBE_PATH = "trustlint-probe/probe.template.yaml"
PROBE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: One role, trusted by an account that no other file names.
Resources:
  ProbeDeployRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: trustlint-probe-deploy
      MaxSessionDuration: 43200
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: arn:aws:iam::210987654321:role/probe-ci
            Action: sts:AssumeRole
      Policies:
        - PolicyName: read-artifacts
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: arn:aws:s3:::trustlint-probe-artifacts/*
"""
_RELATED = re.compile(r"(\d+) related to ")


@dataclass
class Prepared:
    corpus: Path
    cache: Path
    files: tuple[str, str]
    """The probe, then the corpus's smallest role template (project-relative)."""
    related: dict[str, int]
    """Units a scan of each file loads from the project index (`--debug`)."""


def prepare(runner: Runner, size: int) -> Prepared:
    corpus = runner.work / f"corpus-{size}"
    generate(corpus, size)
    probe = corpus / PROBE_PATH
    probe.unlink(missing_ok=True)  # chosen before the probe is in: never the probe
    target = smallest(corpus, (".yaml", ".yml"), "AWS::IAM::Role")
    probe.parent.mkdir(exist_ok=True)
    probe.write_text(PROBE, encoding="utf-8")
    make_git_repository(corpus)
    files = (PROBE_PATH, target.relative_to(corpus).as_posix())
    cache = runner.work / f"cache-one-file-{size}"
    shutil.rmtree(cache, ignore_errors=True)
    print(f"warming the cache of the {size:,}-file corpus", flush=True)
    runner.run(trustlint("scan", "."), corpus, cache=cache)
    # A first one-file scan of each file (with --debug, to count its related units).
    related = {relative: related_units(runner, corpus, cache, relative) for relative in files}
    return Prepared(corpus, cache, files, related)


def related_units(runner: Runner, corpus: Path, cache: Path, relative: str) -> int:
    """How many units the project index gives a scan of `relative` (from `--debug`)."""
    environment = {**runner.environment, "TRUSTLINT_CACHE_DIR": str(cache)}
    command = trustlint("--debug", "scan", relative)
    # Exit 1 when the file has findings (the probe has): only stderr is read.
    done = subprocess.run(
        command, cwd=corpus, env=environment, capture_output=True, text=True, check=False
    )
    found = _RELATED.search(done.stderr)
    return int(found.group(1)) if found else -1


def edit(path: Path, run: int) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f"\n# edited before run {run}\n")


@dataclass
class Row:
    size: int
    probe: Measurement
    own: Measurement
    own_file: str
    own_related: int


def measure(runner: Runner, sizes: Sequence[int], runs: int) -> list[Row]:
    prepared = {size: prepare(runner, size) for size in sizes}
    time.sleep(RACY_WAIT_SECONDS)
    taken = {
        (size, relative): Measurement(f"{size:,} files: {relative}")
        for size in sizes
        for relative in prepared[size].files
    }
    for run in range(runs):
        for size in sizes:
            here = prepared[size]
            for relative in here.files:
                edit(here.corpus / relative, run)
                command = trustlint("scan", relative)
                sample = runner.run(command, here.corpus, cache=here.cache)
                taken[size, relative].samples.append(sample)
    rows = []
    for size in sizes:
        here = prepared[size]
        probe, own = (taken[size, relative] for relative in here.files)
        rows.append(Row(size, probe, own, here.files[1], here.related[here.files[1]]))
        print(f"  {size:,} files: {probe.wall * 1000:.0f} / {own.wall * 1000:.0f} ms", flush=True)
    return rows


def render(rows: list[Row], runs: int) -> str:
    base = rows[0]
    lines = [
        MARKERS[0],
        "## One-file scans against the size of the repository",
        "",
        "Written by `python bench/one_file.py`. Each run appends a comment to one file",
        "and scans it as pre-commit does, in a git repository whose cache is warm;",
        "sizes are taken in turn, run after run. The probe is the same template in",
        f"every repository (`{PROBE_PATH}`, one role trusted by an account no",
        "other file names): its figure changes with the repository's size alone. The",
        "corpus file is the smallest generated YAML template with a role, with the",
        "units related to it (sharing its names or accounts), which differ from",
        "corpus to corpus. The project index (`trustlint/project_index.py`) gives",
        "every unchanged file; what grows with the repository is a stat per file and",
        "directory and the index's size.",
        "",
        f"One edited file, warm cache, median of {runs} runs ({machine()}):",
        "",
        f"| repository | probe | vs {base.size:,} files | corpus file | related units "
        "| corpus file | peak RSS (probe) |",
        "|---:|---:|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        ratio = row.probe.wall / base.probe.wall
        lines.append(
            f"| {row.size:,} files | {row.probe.wall * 1000:.0f} ms | {ratio:.2f}x "
            f"| `{row.own_file}` | {row.own_related} | {row.own.wall * 1000:.0f} ms "
            f"| {row.probe.rss_mb:.0f} MB |"
        )
    lines.append(MARKERS[1])
    return "\n".join(lines)


def write(report: Path, table: str) -> None:
    text = report.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(MARKERS[0]) + ".*?" + re.escape(MARKERS[1]), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: table, text)
    else:
        text = text.rstrip("\n") + "\n\n" + table + "\n"
    report.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--work", type=Path, help="where corpora and caches go (default: temp)")
    parser.add_argument("--output", type=Path, help="a Markdown file to write the table into")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="trustlint-one-file-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = measure(Runner(work), sorted(args.sizes), args.runs)
    table = render(rows, args.runs)
    print(table)
    if args.output is not None:
        write(args.output, table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
