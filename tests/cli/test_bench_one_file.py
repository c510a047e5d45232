"""bench/one_file.py writes its table between its markers, leaving the rest of the report."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

import one_file
from run import Measurement, Sample


def rows() -> list[one_file.Row]:
    small = Measurement("200 files", [Sample(0.080, 30.0), Sample(0.090, 31.0), Sample(0.1, 32.0)])
    small_own = Measurement("200 files", [Sample(0.120, 33.0)])
    large = Measurement("3,000 files", [Sample(0.099, 40.0)])
    large_own = Measurement("3,000 files", [Sample(0.130, 41.0)])
    return [
        one_file.Row(200, small, small_own, "cfn/a.yaml", 4),
        one_file.Row(3000, large, large_own, "cfn/b.yaml", 8),
    ]


def test_the_table_gives_each_size_against_the_smallest() -> None:
    table = one_file.render(rows(), 3)
    assert "| 200 files | 90 ms | 1.00x | `cfn/a.yaml` | 4 | 120 ms | 31 MB |" in table
    assert "| 3,000 files | 99 ms | 1.10x | `cfn/b.yaml` | 8 | 130 ms | 40 MB |" in table
    assert table.startswith(one_file.MARKERS[0]) and table.endswith(one_file.MARKERS[1])


def test_the_related_count_is_read_from_the_debug_line() -> None:
    line = (
        "trustlint: debug: from the project index: 3001 sources, 1 looked up, 8 related to x.yaml"
    )
    found = one_file._RELATED.search(line)
    assert found is not None and found.group(1) == "8"


def test_the_table_replaces_its_earlier_self_and_nothing_else(tmp_path: Path) -> None:
    report = tmp_path / "benchmark.md"
    report.write_text("# Benchmark\n\nbefore\n", encoding="utf-8")
    one_file.write(report, one_file.render(rows(), 3))
    first = report.read_text(encoding="utf-8")
    assert first.startswith("# Benchmark\n\nbefore\n\n" + one_file.MARKERS[0])
    assert "## One-file scans against the size of the repository" in first
    report.write_text(first + "\nafter\n", encoding="utf-8")
    one_file.write(report, one_file.render(rows()[:1], 3))
    second = report.read_text(encoding="utf-8")
    assert second.count(one_file.MARKERS[0]) == 1
    assert "3,000 files" not in second
    assert second.endswith("\nafter\n")


def test_a_full_benchmark_report_keeps_the_one_file_table(tmp_path: Path) -> None:
    from run import kept_sections

    report = tmp_path / "benchmark.md"
    report.write_text("# Benchmark\n\nold figures\n", encoding="utf-8")
    one_file.write(report, one_file.render(rows(), 3))
    kept = kept_sections(report)
    assert kept.strip().startswith(one_file.MARKERS[0])
    assert "old figures" not in kept
    assert "| 3,000 files | 99 ms | 1.10x | `cfn/b.yaml` | 8 | 130 ms | 40 MB |" in kept
