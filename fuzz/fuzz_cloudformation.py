"""Fuzz the CloudFormation front-end: YAML and JSON templates through dispatch, every
check and every reporter. `python fuzz/fuzz_cloudformation.py --iterations N --seed S`."""

from __future__ import annotations

from _common import FUZZ_OPTIONS, Target, Workspace, main, outcome, parsed_trees, seed_files

TOKENS = tuple(
    token.encode()
    for token in (
        "AWSTemplateFormatVersion: '2010-09-09'\n",
        "Resources:\n",
        "  R:\n    Type: AWS::IAM::Role\n",
        "!Ref ",
        "!Sub ",
        "!GetAtt ",
        "!If [C, ",
        "!Join [', ', [",
        "!Select [0, ",
        "!Split [',', ",
        "!FindInMap [M, ",
        "!Base64 ",
        "!ToJsonString ",
        "!Condition ",
        "Fn::If",
        "Fn::Sub",
        "AWS::NoValue",
        "AWS::AccountId",
        "${AWS::Partition}",
        "${!Literal}",
        "&anchor ",
        "*anchor",
        "<<: ",
        "Principal: '*'\n",
        "Statement:\n",
        "Condition:\n",
        "Conditions:\n",
        "Parameters:\n",
        "Mappings:\n",
        "Default: ",
        "Type: CommaDelimitedList\n",
        "Metadata:\n",
        "- ",
        "? ",
        "--- ",
        "!!python/object/apply:os.system ['true']",
        "!!binary ",
        "|\n",
        ">-\n",
        "# trustlint:ignore",
        "AWS::Serverless::Function",
        "AWS::IAM::ManagedPolicy",
        "AWS::Organizations::Policy",
    )
)


def build() -> Target:
    from pathlib import Path

    from pipeline_support import analyse

    workspace = Workspace()

    def check(data: bytes) -> frozenset[str]:
        name = "template.json" if data.lstrip()[:1] == b"{" else "template.yaml"
        for stale in ("template.json", "template.yaml"):
            (workspace.root / stale).unlink(missing_ok=True)
        path: Path = workspace.write(name, data)
        return outcome(analyse([path], workspace.root, FUZZ_OPTIONS))

    def is_template(data: bytes) -> bool:
        return b"AWSTemplateFormatVersion" in data or b"AWS::" in data

    seeds = seed_files((".yaml", ".yml", ".template", ".json"), is_template)
    return Target("cloudformation", seeds, check, TOKENS, trees=parsed_trees(seeds))


if __name__ == "__main__":
    raise SystemExit(main(build))
