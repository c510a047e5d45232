"""TL014 trust-boundary: principals that reach a role they should not (SPEC section 11).

(a) A third party (an account neither own, internal nor fenced to the
organization) that enters a role which trusts it, and from there chains into
a role whose trust does not admit it: reported at the trust statement of the
last hop, with the whole path as the finding's flow.

(b) Declared boundaries (`boundaries:` in the config): every trust statement
of a role a boundary covers admits only principals one of its `allow`
entries matches. A trust that admits a forbidden principal crosses the
boundary even with no grant on the other side (across accounts the other side
controls its own grants).

Neither guesses: an undecided hop is no chain, and a principal that cannot be
resolved crosses no boundary (`--strict` notes it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase

from trustlint.accounts import AccountKind, describe_account
from trustlint.arns import ACCOUNT_ID
from trustlint.checks import CheckContext, check
from trustlint.config import BoundaryAllow, TrustBoundary
from trustlint.findings import Finding, RelatedLocation
from trustlint.graph import TrustGraph
from trustlint.graph.entities import Entity
from trustlint.graph.paths import DEFAULT_MAX_HOPS, Hop, ReachIndex, role_chains
from trustlint.model import Location, Principal, Statement, Unknown
from trustlint.policy import ASSUME_ACTIONS, statement_allows_action
from trustlint.records import record, replace

TL014 = "TL014"
_THIRD_PARTIES = (AccountKind.VENDOR, AccountKind.EXTERNAL)


@check(TL014)
def check_trust_boundary(context: CheckContext) -> Iterator[Finding]:
    graph = context.graph
    max_hops = int(context.options(TL014).get("max_hops", DEFAULT_MAX_HOPS))
    yield from _boundary_findings(context, graph)
    yield from _third_party_chains(graph, context.reach, max_hops, context.strict)


# --- (a) third-party chains -----------------------------------------------------------


@record
class _Entry:
    account: str
    """The third party's account id."""
    name: str
    """How messages name it: `account 464622532012 (Datadog)`."""
    hop: Hop


def _third_party_chains(
    graph: TrustGraph, index: ReachIndex, max_hops: int, strict: bool
) -> Iterator[Finding]:
    reported: set[tuple[Location, str]] = set()
    for entry in _third_party_entries(graph, index):
        for chain in role_chains(index, entry.hop.target, max_hops, undecided=strict):
            last = chain[-1]
            if _admits_account(index, last.target, entry.account):
                continue
            key = (last.trust.location, entry.account)
            if key in reported:
                continue
            reported.add(key)
            finding = _chain_finding(index, entry, chain)
            if not last.decided:
                finding = replace(
                    finding,
                    level="note",
                    message=f"cannot decide: {finding.message} (whether the last hop works: "
                    f"{last.why or 'the files do not tell'})",
                )
            yield finding


def _third_party_entries(graph: TrustGraph, index: ReachIndex) -> Iterator[_Entry]:
    accounts = graph.project.accounts
    for role_key, hops in sorted(index.into.items()):
        role = index.entities.get(role_key)
        if role is None:
            continue
        own = graph.scope.account_id(role.account)
        for hop in hops:
            node = index.nodes.get(hop.source)
            if node is None or node.kind not in ("account", "role", "user") or not hop.decided:
                continue
            account = graph.scope.account_id(node.account)
            if account is None or not ACCOUNT_ID.match(account) or account == own:
                continue
            if "org" in hop.trust.conditions:
                continue  # fenced to an organization: not a third party
            info = accounts.classify(account, own if own and ACCOUNT_ID.match(own) else None)
            if info.kind in _THIRD_PARTIES:
                yield _Entry(account, describe_account(account, info), hop)


def _admits_account(index: ReachIndex, role_key: str, account: str) -> bool:
    """Whether the role's trust admits the account itself: its root, a principal, anyone."""
    for hop in index.into.get(role_key, ()):
        node = index.nodes.get(hop.source)
        if node is None:
            continue
        if node.kind == "any" or (node.account is not None and node.account == account):
            return True
    return False


def _chain_finding(index: ReachIndex, entry: _Entry, chain: tuple[Hop, ...]) -> Finding:
    target = index.entities[chain[-1].target]
    previous = index.label(chain[-1].source)
    steps = " -> ".join(
        [entry.name, index.label(entry.hop.target), *(index.label(hop.target) for hop in chain)]
    )
    flow = _flow(index, (entry.hop, *chain), entry.name)
    last = chain[-1].trust
    message = (
        f"{target.label} does not trust {entry.name}, which reaches it by role chaining: "
        f"{steps}; remove {previous}'s grant of sts:AssumeRole on it, or its trust of "
        f"{previous}, unless that third party is meant to get there"
    )
    return Finding(
        TL014,
        "warning",
        message,
        last.location,
        resource=target.label,
        resource_location=target.location,
        statement=last.statement,
        subject=f"third party {entry.account}",
        related=tuple(item for item in flow if item.location != last.location),
        flow=flow,
    )


def _flow(index: ReachIndex, hops: tuple[Hop, ...], origin: str) -> tuple[RelatedLocation, ...]:
    """The path as code-flow steps: each hop's grant (when it needs one), then its trust."""
    steps: list[RelatedLocation] = []
    for number, hop in enumerate(hops):
        source = origin if number == 0 else index.label(hop.source)
        target = index.label(hop.target)
        if hop.grant is not None:
            steps.append(
                RelatedLocation(
                    hop.grant.location, f"{source} is granted sts:AssumeRole on {target}"
                )
            )
        steps.append(RelatedLocation(hop.trust.location, f"{target} trusts {source}"))
    return tuple(steps)


# --- (b) declared boundaries ----------------------------------------------------------


def _boundary_findings(context: CheckContext, graph: TrustGraph) -> Iterator[Finding]:
    boundaries = context.project.config.boundaries
    if not boundaries:
        return
    for role in graph.roles:
        covering = [boundary for boundary in boundaries if _covers(graph, boundary, role)]
        if not covering:
            continue
        trust = getattr(role.model, "trust_policy", None)
        if trust is None or trust.unknown is not None:
            continue
        for statement in trust.statements:
            if not _admits_assume(statement):
                continue
            for principal in statement.principals:
                yield from _crossing(context, role, statement, principal, covering)


def _admits_assume(statement: Statement) -> bool:
    if not statement.is_allow:
        return False
    return any(statement_allows_action(statement, action) is not False for action in ASSUME_ACTIONS)


def _covers(graph: TrustGraph, boundary: TrustBoundary, role: Entity) -> bool:
    """Whether a boundary's role globs match the role's ARN, for every account it may be in."""
    name = role.display_name
    if name is None or role.name is None:
        return False
    account = graph.scope.account_id(role.account)
    path = role.path or "/"
    partition = role.model.partition

    def arn(account_id: str) -> str:
        return f"arn:{partition}:iam::{account_id}:role{path}{name}"

    if account is not None and ACCOUNT_ID.match(account):
        candidates = [arn(account)]
    else:  # covered only when the glob matches whichever account it is deployed in
        candidates = [arn("000000000000"), arn("999999999999")]
    return any(all(fnmatchcase(text, glob) for text in candidates) for glob in boundary.roles)


def _crossing(
    context: CheckContext,
    role: Entity,
    statement: Statement,
    principal: Principal,
    covering: list[TrustBoundary],
) -> Iterator[Finding]:
    shown, allowed = _allowed(context.graph, role, statement, principal, covering)
    if allowed is None:
        if context.strict:
            yield Finding(
                TL014,
                "note",
                f"cannot decide: whether {role.label} trusting {shown} crosses boundary "
                f"{_names(covering)}; the principal is not known from the files",
                principal.location,
                resource=role.label,
                resource_location=role.location,
                statement=statement.label,
                subject=f"boundary {shown}",
            )
        return
    crossed = [boundary for boundary, ok in zip(covering, allowed, strict=True) if not ok]
    if not crossed:
        return
    yield Finding(
        TL014,
        "error",
        f"{role.label} trusts {shown}, which boundary {_names(crossed)} does not allow into it; "
        "remove the principal from the trust policy, or allow it in the boundary",
        principal.location,
        resource=role.label,
        resource_location=role.location,
        statement=statement.label,
        subject=f"boundary {shown}",
    )


def _names(boundaries: list[TrustBoundary]) -> str:
    return ", ".join(f"'{boundary.name}'" for boundary in boundaries)


def _allowed(
    graph: TrustGraph,
    role: Entity,
    statement: Statement,
    principal: Principal,
    covering: list[TrustBoundary],
) -> tuple[str, list[bool] | None]:
    """How to name the principal, and per boundary whether an allow entry matches it."""
    value = principal.value
    if isinstance(value, Unknown):
        return value.text, None
    if principal.kind == "*" or (principal.kind == "aws" and value == "*"):
        if statement.conditions:
            return '"*"', None  # fenced by conditions the boundary cannot read
        return '"*" (every AWS principal)', [False] * len(covering)
    if principal.kind == "service":
        return value, [_any(b, lambda allow: _service_allowed(allow, value)) for b in covering]
    if principal.kind == "aws":
        resolved = graph.scope.resolve_arn(role.unit, value)
        if resolved is None:
            return value, None
        account = graph.scope.account_id(resolved.account)
        if account is None or not ACCOUNT_ID.match(account):
            return value, None
        text = resolved.text
        return text, [
            _any(b, lambda allow: account in allow.accounts or _glob_any(allow.arns, text))
            for b in covering
        ]
    if principal.kind == "federated":
        return value, [_any(b, lambda allow: _federated_allowed(allow, value)) for b in covering]
    return value, None


def _any(boundary: TrustBoundary, test: Callable[[BoundaryAllow], bool]) -> bool:
    return any(test(allow) for allow in boundary.allow)


def _glob_any(globs: tuple[str, ...], text: str) -> bool:
    return any(fnmatchcase(text, glob) for glob in globs)


def _service_allowed(allow: BoundaryAllow, service: str) -> bool:
    wanted = service.lower().removesuffix(".amazonaws.com")
    return any(entry.lower().removesuffix(".amazonaws.com") == wanted for entry in allow.services)


def _federated_allowed(allow: BoundaryAllow, provider: str) -> bool:
    host = provider.split(":oidc-provider/", 1)[-1].split(":saml-provider/", 1)[-1]
    return any(
        entry in (provider, host) or fnmatchcase(provider, entry) for entry in allow.federated
    )
