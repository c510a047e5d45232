"""Terraform modules into the model: IAM resources, their policies, local modules.

`load_module` reads every `.tf` file of a module directory, the root module's
`terraform.tfvars` / `*.auto.tfvars`, the local modules it calls and the files
its `file()` / `templatefile()` calls name, and builds the IAM entities of SPEC
section 3. Expressions are evaluated by `hcl_eval.Evaluator` in a `ModuleScope`, which
knows what Terraform's references mean here: variables (module inputs, tfvars,
defaults, with `optional()` attributes filled in), locals (lazily, cycle-safe),
the names and ARNs of IAM resources, `data.aws_caller_identity` (this account),
`data.aws_iam_policy_document` (its statements as a located tree) and the
outputs of local modules. Anything else is `Unknown`.

A resource, data source or module call with `count` or `for_each` over values
the files determine is one instance per index or key (`instances`), addressed
as Terraform addresses it (`aws_iam_role.partner["backup"]`); when they are not
known it stays one entity whose `count.*` / `each.*` are unknown. One whose
`count` is 0 or whose `for_each` is empty is not built. Blocks holding a syntax
error are never built: a truncated policy must not become a finding.
"""

from __future__ import annotations

from pathlib import Path

from trustlint.config import LoadOptions
from trustlint.frontends.terraform.hcl_syntax import Block, read_body
from trustlint.frontends.terraform.module_entities import ModuleEntities
from trustlint.frontends.terraform.project import Project
from trustlint.frontends.terraform.scope import ModuleScope
from trustlint.model import Location, SourceUnit, Suppression


def load_module(directory: Path, root: Path, options: LoadOptions) -> SourceUnit:
    """The Terraform module in `directory` (absolute) as one unit. Never raises on bad input."""
    project = Project(root, directory, options)
    unit = project.relative(directory)
    try:
        module = ModuleScope(project, directory, prefix="", inputs=None, stack=(directory,))
        entities = ModuleEntities(project, unit)
        entities.add_module(module)
    except RecursionError:
        # The evaluator bounds its own depth; this is the last line of defence.
        first = project.first_path() or unit
        project.error("expressions nested too deeply to evaluate", Location(first, 1, 1, 1, 2))
        entities = ModuleEntities(project, unit)
    return entities.unit()


def resource_blocks(
    directory: Path, root: Path, options: LoadOptions
) -> list[tuple[Block, str, tuple[Suppression, ...]]]:
    """The `resource` blocks of a module directory that parse cleanly, each with
    its file's project-relative path and suppression comments (for plans)."""
    project = Project(root, directory, options)
    found: list[tuple[Block, str, tuple[Suppression, ...]]] = []
    for file in project.module_hcl_files(directory):
        suppressions = tuple(
            s for s in project.suppressions.values() if s.location.path == file.path
        )
        for block in read_body(file).blocks:
            if block.type == "resource" and len(block.labels) == 2 and not block.has_error:
                found.append((block, file.path, suppressions))
    return found
