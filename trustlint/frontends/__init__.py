"""Front-ends: one per input format, each turning files into a `SourceUnit`.

A front-end knows its syntax and the model, nothing about rules. Modules here
are imported lazily by the dispatcher so a scan pays only for the formats it
meets (a YAML-only scan never imports tree-sitter).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """Limits and settings every front-end honours. Part of the parse-cache key."""

    partition: str = "aws"
    """What `AWS::Partition` / `data.aws_partition.x.partition` resolve to."""
    max_file_size: int = 10 * 1024 * 1024
    """Bytes; a larger file is TL000 without being read."""
    max_depth: int = 256
    """Nesting depth of YAML, JSON and HCL values."""
    max_nodes: int = 2_000_000
    """Nodes one document may expand to (YAML aliases included: they may expand a
    document to a twentieth of this, or to ten times its written size if that is more)."""
    max_string_length: int = 1024 * 1024
    """Characters of any string evaluation computes (see `trustlint.budgets`)."""
    max_instances: int = 10_000
    """Instances a `count` or `for_each` is expanded to."""
    max_elements: int = 1_000_000
    """Elements of a computed collection, and elements a unit iterates in all."""
    max_evaluation_seconds: float = 10.0
    """Seconds one unit is evaluated for, after which what is left is not known."""
