"""The Terraform front-end: modules as Terraform evaluates them, and plans.

Discovery and the parse cache import `terraform.files` (which files make a
module) for every scan; that must not load the evaluator or tree-sitter, so
this package imports nothing itself and its public names are loaded on first
use.

| module | job |
|---|---|
| `hcl_*` | HCL parsed by tree-sitter; expressions evaluated with their provenance |
| `files` | which files make a module (`.tf`, `.tf.json`, overrides last) |
| `json_syntax`, `overrides` | `.tf.json` read as the HCL it stands for; `*_override` files merged |
| `module` | `load_module`: a module directory, and the modules it calls, into one unit |
| `project` | the files one load reads, its errors, notes and suppressions |
| `scope` | a module instance: variables, locals, references, computed attributes |
| `variable_types`, `policy_documents` | a variable's `type`; `data "aws_iam_policy_document"` |
| `instances` | `count` / `for_each` instances and their addresses |
| `module_calls`, `providers` | module sources, `modules.json`, callers' values; accounts |
| `resources` | the one table of AWS resource types and how each becomes entities |
| `module_entities`, `plan` | that table read from evaluated blocks; from `terraform show -json` |
| `trust_documents` | trust policies no role uses |
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustlint.frontends.terraform.module import load_module, resource_blocks
    from trustlint.frontends.terraform.project import MAX_INSTANCES_PER_LOAD
    from trustlint.frontends.terraform.scope import ModuleScope

__all__ = ["MAX_INSTANCES_PER_LOAD", "ModuleScope", "load_module", "resource_blocks"]

_PUBLIC = {
    "MAX_INSTANCES_PER_LOAD": "project",
    "ModuleScope": "scope",
    "load_module": "module",
    "resource_blocks": "module",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
