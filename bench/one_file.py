"""One-file scans as pre-commit runs them, against the size of the repository.

For each size: a generated corpus in a git repository, a warm cache (one full
scan, then the corpus ages past the cache's racy window), then each measured
run first edits one file (a comment appended: new bytes, same findings) and
runs `trustlint scan FILE` on it in a fresh process. Sizes are taken in turn,
run after run, so that load on a shared machine weighs on each alike.

    python bench/one_file.py --sizes 200 3000 10000 --runs 7

prints a Markdown table (and, with `--output`, writes it between the
`one-file` markers of that file).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
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


def prepare(runner: Runner, size: int) -> tuple[Path, str, Path]:
    corpus = runner.work / f"corpus-{size}"
    generate(corpus, size)
    make_git_repository(corpus)
    target = smallest(corpus, (".yaml", ".yml"), "AWS::IAM::Role")
    relative = str(target.relative_to(corpus))
    cache = runner.work / f"cache-one-file-{size}"
    shutil.rmtree(cache, ignore_errors=True)
    print(f"warming the cache of the {size:,}-file corpus", flush=True)
    runner.run(trustlint("scan", "."), corpus, cache=cache)
    runner.run(trustlint("scan", relative), corpus, cache=cache)
    return corpus, relative, cache


def edit(path: Path, run: int) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f"\n# edited before run {run}\n")


def measure(runner: Runner, sizes: Sequence[int], runs: int) -> list[tuple[int, Measurement]]:
    prepared = {size: prepare(runner, size) for size in sizes}
    time.sleep(RACY_WAIT_SECONDS)
    measurements = {size: Measurement(f"{size:,} files") for size in sizes}
    for run in range(runs):
        for size in sizes:
            corpus, relative, cache = prepared[size]
            edit(corpus / relative, run)
            command = trustlint("scan", relative)
            measurements[size].samples.append(runner.run(command, corpus, cache=cache))
    for size in sizes:
        print(f"  {size:,} files: {measurements[size].wall * 1000:.0f} ms", flush=True)
    return [(size, measurements[size]) for size in sizes]


def render(rows: list[tuple[int, Measurement]], runs: int) -> str:
    smallest_size, base = rows[0]
    lines = [
        MARKERS[0],
        "## One-file scans against the size of the repository",
        "",
        "Written by `python bench/one_file.py`. Each run appends a comment to one file",
        "(the smallest YAML template with a role) and scans it as pre-commit does, in",
        "a git repository whose cache is warm; sizes are taken in turn, run after run.",
        "The project index (`trustlint/project_index.py`) gives every unchanged file;",
        "what grows with the repository is a stat per file and directory, the index's",
        "size, and the units related to the file (which depend on its names, not on",
        "the count of files).",
        "",
        f"One edited file, warm cache, median of {runs} runs ({machine()}):",
        "",
        f"| repository | one-file scan | vs {smallest_size:,} files | peak RSS |",
        "|---:|---:|---:|---:|",
    ]
    for size, measurement in rows:
        ratio = measurement.wall / base.wall
        lines.append(
            f"| {size:,} files | {measurement.wall * 1000:.0f} ms | {ratio:.2f}x "
            f"| {measurement.rss_mb:.0f} MB |"
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
