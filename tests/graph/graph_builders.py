"""Model objects built directly, so graph semantics are tested without any front-end."""

from __future__ import annotations

from trustlint.config import AccountPath, Config
from trustlint.frontends.yaml_loader import load_json
from trustlint.model import (
    THIS_ACCOUNT,
    Group,
    Location,
    ManagedPolicy,
    OrganizationPolicy,
    PolicyDocument,
    PolicyKind,
    Resource,
    Role,
    SourceUnit,
    User,
    Value,
)
from trustlint.policy_reader import read_policy
from trustlint.project import Project


def at(path: str, line: int = 1) -> Location:
    return Location(path, line, 1, line, 2)


def policy(text: str, kind: PolicyKind, path: str = "policy.json") -> PolicyDocument:
    tree = load_json(text, path)
    return read_policy(tree, tree.location, kind)


def trust(*principals: str, conditions: str = "") -> PolicyDocument:
    """A trust policy admitting AWS principals, with an optional JSON `Condition` block."""
    aws = ", ".join(f'"{p}"' for p in principals)
    condition = f', "Condition": {conditions}' if conditions else ""
    return policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        f'"Principal": {{"AWS": [{aws}]}}, "Action": "sts:AssumeRole"{condition}}}]}}',
        "trust",
    )


def service_trust(service: str = "lambda.amazonaws.com") -> PolicyDocument:
    return policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        f'"Principal": {{"Service": "{service}"}}, "Action": "sts:AssumeRole"}}]}}',
        "trust",
    )


def grant(*resources: str, effect: str = "Allow", kind: PolicyKind = "identity") -> PolicyDocument:
    listed = ", ".join(f'"{r}"' for r in resources)
    return policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "'
        + effect
        + f'", "Action": "sts:AssumeRole", "Resource": [{listed}]}}]}}',
        kind,
    )


def value(text: str, path: str = "x") -> Value:
    return Value(text, at(path))


def role(
    unit: str,
    name: str,
    *,
    trust_policy: PolicyDocument | None = None,
    policies: tuple[PolicyDocument, ...] = (),
    managed: tuple[str, ...] = (),
    boundary: str | None = None,
    account: str = THIS_ACCOUNT,
    path: str | None = None,
) -> Role:
    return Role(
        resource=Resource(name, "AWS::IAM::Role", at(unit), unit),
        name=value(name, unit),
        path=value(path, unit) if path is not None else None,
        account=account,
        trust_policy=trust_policy or service_trust(),
        inline_policies=policies,
        managed_policy_arns=tuple(value(arn, unit) for arn in managed),
        permissions_boundary=value(boundary, unit) if boundary is not None else None,
    )


def user(
    unit: str,
    name: str,
    *,
    policies: tuple[PolicyDocument, ...] = (),
    groups: tuple[str, ...] = (),
    account: str = THIS_ACCOUNT,
) -> User:
    return User(
        resource=Resource(name, "AWS::IAM::User", at(unit), unit),
        name=value(name, unit),
        account=account,
        groups=tuple(value(g, unit) for g in groups),
        inline_policies=policies,
    )


def group(unit: str, name: str, *, policies: tuple[PolicyDocument, ...] = ()) -> Group:
    return Group(
        resource=Resource(name, "AWS::IAM::Group", at(unit), unit),
        name=value(name, unit),
        account=THIS_ACCOUNT,
        inline_policies=policies,
    )


def managed_policy(unit: str, name: str, document: PolicyDocument) -> ManagedPolicy:
    return ManagedPolicy(
        resource=Resource(name, "AWS::IAM::ManagedPolicy", at(unit), unit),
        name=value(name, unit),
        document=document,
        arn=f"arn:aws:iam::{THIS_ACCOUNT}:policy/{name}",
        account=THIS_ACCOUNT,
    )


def scp(unit: str, name: str, document: PolicyDocument, *targets: str) -> OrganizationPolicy:
    return OrganizationPolicy(
        resource=Resource(name, "AWS::Organizations::Policy", at(unit), unit),
        name=value(name, unit),
        policy_type="SERVICE_CONTROL_POLICY",
        document=document,
        targets=tuple(value(t, unit) for t in targets),
    )


def unit(unit_id: str, **entities: object) -> SourceUnit:
    return SourceUnit(unit=unit_id, format="cloudformation", paths=(unit_id,), **entities)  # type: ignore[arg-type]


def project(
    *units: SourceUnit,
    accounts: dict[str, str] | None = None,
    organizational_units: dict[str, tuple[str, ...]] | None = None,
) -> Project:
    """A project; `accounts` maps unit ids to the account `accounts.paths` gives them."""
    config = Config(
        account_paths=tuple(AccountPath(u, a) for u, a in (accounts or {}).items()),
        organizational_units=organizational_units or {},
    )
    return Project(list(units), config)
