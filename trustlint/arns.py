"""Parsing ARNs and account ids as IAM writes them in principals and resources."""

from __future__ import annotations

from trustlint.model import THIS_ACCOUNT, Arn
from trustlint.patterns import lazy_compile

ACCOUNT_ID = lazy_compile(r"^\d{12}$")
PARTITIONS = (
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
)

# Resource types whose resource part is `type/path.../name`.
_PATHED_TYPES = frozenset({"role", "user", "group", "policy", "instance-profile"})


def is_account_id(text: str) -> bool:
    return bool(ACCOUNT_ID.match(text)) or text == THIS_ACCOUNT


def parse_arn(text: str) -> Arn | None:
    """Split an ARN (or a bare 12-digit account id) into its parts.

    Returns None for text that is neither. Parts are kept exactly as written,
    wildcards and placeholders included, so callers decide what is malformed.
    """
    if is_account_id(text):
        return Arn(None, None, None, text, "root", None, None)
    if not text.startswith("arn:"):
        return None
    parts = text.split(":", 5)
    if len(parts) != 6:
        return None
    _, partition, service, region, account, resource = parts
    resource_type: str | None
    path: str | None = None
    name: str | None
    if "/" in resource:
        resource_type, rest = resource.split("/", 1)
        if resource_type in _PATHED_TYPES and "/" in rest:
            head, name = rest.rsplit("/", 1)
            path = "/" + head + "/"
        elif resource_type in _PATHED_TYPES:
            path, name = "/", rest
        else:
            name = rest
    elif resource == "root":
        resource_type, name = "root", None
    else:
        resource_type, name = resource, None
    return Arn(partition, service, region, account, resource_type, path, name)


def principal_name(arn: Arn) -> str | None:
    """The name of the role or user an ARN names: for `assumed-role/ROLE/SESSION`, ROLE."""
    if arn.resource_type == "assumed-role" and arn.name is not None:
        return arn.name.split("/", 1)[0]
    return arn.name


def role_arn(partition: str, account: str, path: str, name: str) -> str:
    """The ARN of an IAM role; `path` is `/` or `/a/b/`."""
    return f"arn:{partition}:iam::{account}:role{path}{name}"
