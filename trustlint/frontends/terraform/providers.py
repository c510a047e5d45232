"""Which account a Terraform resource deploys into: its AWS provider configuration's.

In multi-account Terraform a resource names its provider (`provider =
aws.prod`) and a module call passes configurations down (`providers = { aws
= aws.prod }`). A provider configuration names its account by the role it
assumes (`assume_role { role_arn = "arn:aws:iam::111122223333:role/x" }`)
or by a single `allowed_account_ids` entry. The root module's default `aws`
configuration is the unit's own account (`THIS_ACCOUNT`) unless it names
one; an aliased configuration that names none is an account the files do
not determine (`Unknown`), never the unit's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustlint.arns import ACCOUNT_ID, parse_arn
from trustlint.frontends.terraform.hcl_syntax import Attribute, Block, read_body
from trustlint.model import THIS_ACCOUNT, Text, Unknown
from trustlint.records import record
from trustlint.tree import LList

if TYPE_CHECKING:
    from trustlint.frontends.terraform.scope import ModuleScope

DEFAULT = "aws"
_ASSUME_BLOCKS = ("assume_role", "assume_role_with_web_identity")


@record
class ProviderConfig:
    """One `provider "aws"` configuration of the root module, as modules see it."""

    key: str
    """Its name in the root module: `aws` or `aws.prod`."""
    account: str | None
    """The 12-digit account it names, if any."""


Providers = Mapping[str, ProviderConfig]
"""A module instance's configurations by the name it uses: `aws`, `aws.prod`."""


def root_providers(scope: ModuleScope) -> dict[str, ProviderConfig]:
    """The AWS provider configurations the root module declares (its default at least)."""
    found: dict[str, ProviderConfig] = {DEFAULT: ProviderConfig(DEFAULT, None)}
    for block in _provider_blocks(scope):
        alias = _literal(scope, block.attributes.get("alias"))
        key = f"{DEFAULT}.{alias}" if isinstance(alias, str) and alias else DEFAULT
        found[key] = ProviderConfig(key, _named_account(scope, block))
    return found


def passed_providers(caller: Providers, block: Block) -> dict[str, ProviderConfig]:
    """What a module call hands its module: `providers = {...}`, else the caller's default."""
    given: dict[str, ProviderConfig] = {}
    if DEFAULT in caller:
        given[DEFAULT] = caller[DEFAULT]
    attribute = block.attributes.get("providers")
    if attribute is None:
        return given
    for name, value in _provider_map(attribute).items():
        config = caller.get(value)
        if config is not None:
            given[name] = config
        else:
            given.pop(name, None)
    return given


def account_of(providers: Providers, block: Block | None) -> Text:
    """The account the resource or data source `block` deploys into or reads from."""
    name = DEFAULT
    attribute = block.attributes.get("provider") if block is not None else None
    if attribute is not None:
        name = attribute.file.node_text(attribute.expression).strip()
    config = providers.get(name)
    if config is None:
        return _unknown(name, block)
    if config.account is not None:
        return config.account
    if config.key == DEFAULT:
        return THIS_ACCOUNT
    return _unknown(config.key, block)


def _unknown(name: str, block: Block | None) -> Unknown:
    location = block.location if block is not None else None
    return Unknown(name, location, f"provider {name} does not name its account")


def _provider_blocks(scope: ModuleScope) -> list[Block]:
    blocks = []
    for path in _tf_files(scope.directory):
        file = scope.project.hcl_file(path)
        if file is None:
            continue
        for block in read_body(file).blocks:
            if block.type == "provider" and block.labels == (DEFAULT,) and not block.has_error:
                blocks.append(block)
    return blocks


def _named_account(scope: ModuleScope, block: Block) -> str | None:
    for kind in _ASSUME_BLOCKS:
        for assume in block.blocks_of(kind):
            role_arn = _literal(scope, assume.attributes.get("role_arn"))
            arn = parse_arn(role_arn) if isinstance(role_arn, str) else None
            if arn is not None and arn.account and ACCOUNT_ID.match(arn.account):
                return arn.account
    allowed = _literal(scope, block.attributes.get("allowed_account_ids"))
    if isinstance(allowed, LList) and len(allowed) == 1:
        (only,) = allowed
        if isinstance(only, str) and ACCOUNT_ID.match(only):
            return str(only)
    return None


def _literal(scope: ModuleScope, attribute: Attribute | None) -> Any:
    if attribute is None or attribute.has_error:
        return None
    return scope.evaluate(attribute)


def _provider_map(attribute: Attribute) -> dict[str, str]:
    """`{ aws = aws.prod, "aws.eu" = aws.eu }` as written: names to configuration names."""
    found: dict[str, str] = {}
    node = attribute.expression
    file = attribute.file
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "object_elem":
            key = current.child_by_field_name("key")
            value = current.child_by_field_name("val")
            if key is not None and value is not None:
                name = file.node_text(key).strip().strip('"')
                found[name] = file.node_text(value).strip()
            continue
        stack.extend(current.children)
    return found


def _tf_files(directory: Path) -> list[Path]:
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return []
    return [Path(entry.path) for entry in entries if entry.name.endswith(".tf") and entry.is_file()]
