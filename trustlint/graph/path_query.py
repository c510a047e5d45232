"""What `trustlint paths --to/--from` names, as node keys of the reach index.

A role is named by its ARN, its name or its address (`aws_iam_role.deployer`,
a CloudFormation logical id); a principal by its ARN (role, user, account
root, identity provider), a 12-digit account id (its root and every principal
of that account), a service (`ecs-tasks.amazonaws.com` or `ecs-tasks`), an
identity provider's name (`token.actions.githubusercontent.com`), `*`, or, for
a scanned role or user, its name or address. Nothing is guessed: a name that
matches nothing is an error listing the close matches.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from trustlint.arns import ACCOUNT_ID, parse_arn
from trustlint.graph.entities import Entity
from trustlint.graph.graph import TrustGraph
from trustlint.graph.paths import ReachIndex, ReachPath, paths_from, paths_to
from trustlint.records import record

_SERVICE_SUFFIX = ".amazonaws.com"
_PROVIDER_TYPES = ("oidc-provider", "saml-provider")
_CLOSE = 5
"""Close matches listed for a name that matches nothing."""
_LISTED = 12
"""At most this many names are listed when none is close to an unknown one."""


class UnknownNameError(Exception):
    """A `--to` or `--from` that names nothing in the scanned files."""


@record
class Match:
    keys: tuple[str, ...]
    """Node keys, sorted as the graph sorts nodes."""
    description: str | None = None
    """What was matched, in words, when the names of the keys do not say it."""


@record
class PathsQuery:
    """What was asked and what it matched: the report's heading."""

    direction: str
    """`to` or `from`."""
    text: str
    """As the user wrote it."""
    match: Match
    max_hops: int


def find_paths(
    index: ReachIndex, direction: str, text: str, max_hops: int
) -> tuple[PathsQuery, list[ReachPath], bool]:
    """The paths into the roles `text` names (`to`), or out of the principals (`from`).

    Also True when some were left out. Paths into several roles of one name
    come role by role.
    """
    found: list[ReachPath] = []
    truncated = False
    if direction == "to":
        match = resolve_role(index, text)
        for key in match.keys:
            more, cut = paths_to(index, key, max_hops)
            found.extend(more)
            truncated = truncated or cut
    else:
        match = resolve_principal(index, text)
        found, truncated = paths_from(index, list(match.keys), max_hops)
    return PathsQuery(direction, text, match, max_hops), found, truncated


def resolve_role(index: ReachIndex, text: str) -> Match:
    """The scanned roles `text` names: every one, when a name is used in several accounts."""
    roles = [(key, entity) for key, entity in index.entities.items() if entity.kind == "role"]
    keys = _entities_named(index, roles, text)
    if not keys:
        spellings = {spelling for _, entity in roles for spelling in _spellings(index, entity)}
        listing = {entity.model.resource.address for _, entity in roles}
        raise UnknownNameError(_unknown("role", text, spellings, listing, "roles"))
    return Match(_ordered(index, keys))


def resolve_principal(index: ReachIndex, text: str) -> Match:
    """The origins `text` names: nodes that take hops (an account: its root and principals)."""
    text = text.strip()
    keys = _principal_keys(index, text)
    if not keys:
        spellings = _principal_spellings(index)
        raise UnknownNameError(_unknown("principal", text, spellings, spellings, "principals"))
    description = None
    if ACCOUNT_ID.fullmatch(text):
        description = f"account {text} (its root and its principals)"
    return Match(_ordered(index, keys), description)


def _principal_keys(index: ReachIndex, text: str) -> set[str]:
    nodes = index.nodes
    if text == "*":
        return {"any"} & nodes.keys()
    if ACCOUNT_ID.fullmatch(text):
        return {
            node.key
            for node in nodes.values()
            if node.account == text and node.kind in ("account", "role", "user")
        }
    arn = parse_arn(text)
    if arn is not None and arn.account is not None:
        if arn.resource_type == "root":
            return {f"account:{arn.account}"} & nodes.keys()
        if arn.resource_type in _PROVIDER_TYPES:
            return {key for key in nodes if key == f"federated:{text}"}
        if arn.resource_type in ("role", "user", "assumed-role") and arn.name:
            kind = "user" if arn.resource_type == "user" else "role"
            name = arn.name.split("/", 1)[0] if arn.resource_type == "assumed-role" else arn.name
            return {f"{kind}:{arn.account}:{name.lower()}"} & nodes.keys()
        return set()
    service = text.lower().removesuffix(_SERVICE_SUFFIX)
    found = {
        key
        for key, node in nodes.items()
        if (node.kind == "service" and key.removesuffix(_SERVICE_SUFFIX) == f"service:{service}")
        or (node.kind == "federated" and _provider_named(key, text))
    }
    if found:
        return found
    principals = [
        (key, entity) for key, entity in index.entities.items() if entity.kind in ("role", "user")
    ]
    return _entities_named(index, principals, text)


def _provider_named(key: str, text: str) -> bool:
    """A federated node named by its ARN, its provider name, or the host in its ARN."""
    value = key.removeprefix("federated:")
    if value == text:
        return True
    for kind in _PROVIDER_TYPES:
        marker = f":{kind}/"
        if marker in value and value.split(marker, 1)[1] == text:
            return True
    return False


def _entities_named(
    index: ReachIndex, entities: Iterable[tuple[str, Entity]], text: str
) -> set[str]:
    wanted = text.strip()
    found = set()
    for key, entity in entities:
        if wanted.startswith("arn:"):
            if _arn_names(index, entity, wanted):
                found.add(key)
        elif wanted == entity.model.resource.address or _same_name(entity, wanted):
            found.add(key)
    return found


def _same_name(entity: Entity, text: str) -> bool:
    name = entity.display_name
    return name is not None and name.lower() == text.lower()


def _arn_names(index: ReachIndex, entity: Entity, text: str) -> bool:
    own = arn_of(index, entity)
    return own is not None and own.lower() == text.lower()


def arn_of(index: ReachIndex, entity: Entity) -> str | None:
    """The entity's ARN when its account and name are known."""
    account = index.view.account_ids.get(entity.account or "")
    name = entity.display_name
    if account is None or not ACCOUNT_ID.fullmatch(account) or not name or "<" in name:
        return None
    return f"arn:{entity.model.partition}:iam::{account}:{entity.kind}{entity.path or '/'}{name}"


def _spellings(index: ReachIndex, entity: Entity) -> list[str]:
    names = [entity.model.resource.address]
    if entity.display_name and "<" not in entity.display_name:
        names.append(entity.display_name)
    arn = arn_of(index, entity)
    if arn is not None:
        names.append(arn)
    return names


def _principal_spellings(index: ReachIndex) -> set[str]:
    spellings: set[str] = set()
    for node in index.nodes.values():
        if node.kind == "service":
            spellings.add(node.key.removeprefix("service:"))
        elif node.kind == "federated":
            spellings.add(node.key.removeprefix("federated:"))
        elif node.kind == "account" and node.account is not None:
            spellings.add(node.account)
        elif node.kind in ("role", "user") and not node.defined and _literal(node.account):
            name = node.label.split(" ", 1)[-1]
            spellings.add(f"arn:aws:iam::{node.account}:{node.kind}/{name}")
    for entity in index.entities.values():
        if entity.kind in ("role", "user"):
            spellings.update(_spellings(index, entity))
    return spellings


def _literal(account: str | None) -> bool:
    return account is not None and ACCOUNT_ID.fullmatch(account) is not None


def _unknown(what: str, text: str, spellings: set[str], listing: set[str], plural: str) -> str:
    """The error for a name that matches nothing: close matches, or what there is."""
    lowered = {spelling.lower(): spelling for spelling in sorted(spellings, reverse=True)}
    wanted = text.lower()
    similar = difflib.get_close_matches(wanted, sorted(lowered), n=_CLOSE, cutoff=0.6)
    containing = sorted(key for key in lowered if wanted and wanted in key)
    close = [lowered[key] for key in dict.fromkeys([*similar, *containing])][:_CLOSE]
    message = f"no {what} '{text}' in the scanned files"
    if close:
        return f"{message}; close matches: {', '.join(close)}"
    if not spellings:
        return f"{message}: they hold no {plural}"
    if len(listing) <= _LISTED:
        return f"{message}; the {plural} there: {', '.join(sorted(listing))}"
    return f"{message}, and none of the {len(listing)} {plural} there has a close name"


def _ordered(index: ReachIndex, keys: set[str]) -> tuple[str, ...]:
    order = {node.key: position for position, node in enumerate(index.view.nodes)}
    return tuple(sorted(keys, key=lambda key: (order.get(key, len(order)), key)))


def account_names(graph: TrustGraph, index: ReachIndex) -> dict[str, str]:
    """Labels naming the account of principals outside the files, where the config or
    the list of known vendors names it: `Account 464622532012 (root, Datadog)`."""
    accounts = graph.project.accounts
    names: dict[str, str] = {}
    for key, node in index.nodes.items():
        if node.defined or node.kind not in ("account", "role", "user"):
            continue
        if not _literal(node.account):
            continue
        name = accounts.classify(str(node.account), None).name
        if not name:
            continue
        if node.kind == "account":
            names[key] = node.label.replace(" (root)", f" (root, {name})")
        else:
            names[key] = f"{node.label} ({name})"
    return names
