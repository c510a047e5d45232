"""CPU time of taking SARIF's line hashes in the parse workers, on a generated corpus.

    python bench/line_hashes.py                      # 1,000 files, 5 runs
    python bench/line_hashes.py --corpus /tmp/lh-corpus --runs 3

Loads every unit of the corpus once (without hashes), reads the files, then
times `trustlint.line_hashes.attach` on each unit with its bytes, in this
process: what a `--no-cache` SARIF scan spends on line hashes in its workers,
without the noise of the parse. Prints the median CPU seconds of `--runs`
runs, the lines hashed and a digest of every value, so that two versions of
the code can be compared for speed and for identical results.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import generate

from trustlint import line_hashes
from trustlint.config import LoadOptions
from trustlint.discover import discover
from trustlint.loading import load_units
from trustlint.model import SourceUnit


def jobs(corpus: Path) -> list[tuple[SourceUnit, dict[str, bytes]]]:
    """Each unit of the corpus with the bytes of its files (absolute path -> bytes)."""
    root = corpus.resolve()
    found = discover([root], root, [])
    units = load_units(found.files, found.terraform_dirs, root, LoadOptions())
    result = []
    for unit in units:
        if unit is None:
            continue
        read = {}
        for relative in unit.paths:
            path = root / relative
            if path.is_file():
                read[str(path)] = path.read_bytes()
        result.append((unit, read))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="a corpus (default: generate 1,000 files)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    corpus = args.corpus
    if corpus is None:
        corpus = Path(tempfile.mkdtemp(prefix="trustlint-line-hashes-")) / "corpus-1000"
        generate(corpus, 1000)
    root = corpus.resolve()
    loaded = jobs(root)
    times = []
    for _ in range(args.runs):
        start = time.process_time()
        units = [line_hashes.attach(unit, read, root) for unit, read in loaded]
        times.append(time.process_time() - start)
    digest = hashlib.sha256()
    lines = 0
    for unit in units:
        for table in unit.line_hashes if unit is not None else ():
            lines += len(table.lines) // 4
            for part in (table.path.encode(), table.lines, table.values, table.counts):
                digest.update(part)
    print(f"{len(loaded)} units, {lines} lines hashed, values {digest.hexdigest()[:16]}")
    runs = " ".join(f"{seconds:.2f}" for seconds in times)
    print(f"attach: {statistics.median(times):.2f} s CPU (median; runs {runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
