"""Front-ends: one per input format, each turning files into a `SourceUnit`.

A front-end knows its syntax and the model, nothing about rules. Modules here
are imported lazily by the dispatcher so a scan pays only for the formats it
meets (a YAML-only scan never imports tree-sitter).
"""
