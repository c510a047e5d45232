"""Fuzz the JSON front-ends: policy documents, `get-role`, `list-roles`, account exports
and `terraform show -json` plans, through dispatch, every check and every reporter.
`python fuzz/fuzz_policy_json.py --iterations N --seed S`."""

from __future__ import annotations

from _common import FUZZ_OPTIONS, Target, Workspace, main, outcome, parsed_trees, seed_files

TOKENS = tuple(
    token.encode()
    for token in (
        '"Version": "2012-10-17"',
        '"Statement": [',
        '"Effect": "Allow"',
        '"Principal": "*"',
        '"Principal": {"AWS": ',
        '"NotPrincipal": ',
        '"Action": "sts:AssumeRole"',
        '"NotAction": ',
        '"Condition": {',
        '"StringEquals": {',
        '"ForAllValues:StringLike": {',
        '"BoolIfExists": {',
        '"sts:ExternalId": ',
        '"aws:PrincipalOrgID": ',
        '"Role": {',
        '"Roles": [',
        '"RoleName": ',
        '"RoleDetailList": [',
        '"PolicyVersionList": [',
        '"IsDefaultVersion": true',
        '"AssumeRolePolicyDocument": "%7B%22Statement%22%3A%5B%5D%7D"',
        '"arn:aws:iam::*:root"',
        '"arn:aws-cn:iam::123456789012:role/a"',
        "123456789012",
        '"\\ud800"',
        '"\\u0000"',
    )
)


def build() -> Target:
    from pipeline_support import analyse

    workspace = Workspace()

    def check(data: bytes) -> frozenset[str]:
        path = workspace.write("policy.json", data)
        return outcome(analyse([path], workspace.root, FUZZ_OPTIONS))

    def is_policy(data: bytes) -> bool:
        return b"AWSTemplateFormatVersion" not in data

    seeds = seed_files((".json",), is_policy)
    return Target("policy-json", seeds, check, TOKENS, trees=parsed_trees(seeds))


if __name__ == "__main__":
    raise SystemExit(main(build))
