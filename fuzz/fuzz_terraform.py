"""Fuzz the Terraform front-end: one module's `main.tf` through tree-sitter-hcl, the
evaluator, every check and every reporter.
`python fuzz/fuzz_terraform.py --iterations N --seed S`."""

from __future__ import annotations

from _common import FUZZ_OPTIONS, Target, Workspace, main, outcome, seed_files

TOKENS = tuple(
    token.encode()
    for token in (
        'resource "aws_iam_role" "r" {\n',
        'data "aws_iam_policy_document" "d" {\n',
        "statement {\n",
        "principals {\n",
        "condition {\n",
        'module "m" {\n  source = "./"\n}\n',
        "locals {\n",
        'variable "v" {\n  default = ',
        'dynamic "statement" {\n',
        "for_each = ",
        "count = ",
        "jsonencode(",
        "jsondecode(",
        "file(",
        "templatefile(",
        "merge(",
        "concat(",
        "lookup(",
        "try(",
        "can(",
        "format(",
        "replace(",
        "regex(",
        "split(",
        "join(",
        "flatten(",
        "tolist(",
        "[for x in ",
        "{for k, v in ",
        " : ",
        " => ",
        " ? ",
        "...",
        "${",
        "%{ if ",
        "%{ for ",
        "%{ endfor }",
        "<<EOT\n",
        "<<-EOT\n",
        "\nEOT\n",
        "\\u",
        "$${",
        "var.",
        "local.",
        "data.aws_caller_identity.current.account_id",
        "aws_iam_role.r.arn",
        "null",
        "each.value",
        "count.index",
        "path.module",
        "assume_role_policy = ",
        "# trustlint:ignore TL001 r\n",
        "1e3",
        "1E-3",
        "007",
        'format("%99999999s", "x")',
        "count = 100000000\n",
        '[for a in split("", format("%9999s", "")) : ',
    )
)


def build() -> Target:
    from pipeline_support import analyse

    workspace = Workspace()
    module = workspace.root / "module"

    def check(data: bytes) -> frozenset[str]:
        workspace.write("module/main.tf", data)
        return outcome(analyse([module], workspace.root, FUZZ_OPTIONS))

    seeds = seed_files((".tf", ".hcl", ".tfvars"))
    return Target("terraform", seeds, check, TOKENS, structured=False)


if __name__ == "__main__":
    raise SystemExit(main(build))
