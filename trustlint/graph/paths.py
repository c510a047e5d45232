"""Who can reach a role: role chaining over the trust graph (SPEC section 11).

A session of role A can assume role B when B's trust admits A (by A's exact
ARN, or A's account root) and, unless the trust names A's exact ARN in A's own
account, A holds a grant of `sts:AssumeRole` on B that nothing on A's side
cancels. Every such hop is computed once per scan from the graph's edges
(`edges.graph_view`) and confirmed with the same questions TL004 and TL005
ask (`access.admission`, `access.grant_access`), so a hop is never assumed:
one the files cannot decide is kept as undecided and named so.

An entry is what starts a path: a principal that is not a scanned role (an
account root, a user, a service, an identity provider, any principal)
admitted by a role's trust, or a scanned role itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from trustlint.graph.access import admission, grant_access, grants_on
from trustlint.graph.edges import Edge, GraphView, Node, entity_key, graph_view
from trustlint.graph.entities import Entity
from trustlint.graph.graph import TrustGraph
from trustlint.graph.matching import caller_of
from trustlint.model import Location
from trustlint.records import field, record

DEFAULT_MAX_HOPS = 5
MAX_CONFIRMING_WORK = 200_000
"""Principals of trust statements that confirming hops may compare in one scan.

Confirming a hop reads the whole trust policy of the role entered; a role
trusting 10,000 instances of a counted role, each of which may assume it,
would otherwise cost 10,000 x 10,000 comparisons. Past this, a hop is kept
undecided (shown, never assumed)."""
MAX_PATHS = 1_000
"""Paths listed for one query at most; a message says when more exist."""


@record
class Hop:
    """One step of a path: `source` enters the role `target`."""

    source: str
    """Node key of who assumes: a role, a user, an account root, a service..."""
    target: str
    """Node key of the role assumed."""
    trust: Edge
    """The trust edge of `target` that admits `source` (or its account root)."""
    grant: Edge | None = None
    """The grant of `source` on `target`, when the hop needs one and it is in the files."""
    decided: bool = True
    """False when the files cannot tell whether the hop works (shown, never assumed)."""
    why: str = ""
    """Why it is undecided."""


@record(frozen=False)
class ReachIndex:
    """Every hop of the scanned set, computed once, with lookups both ways."""

    view: GraphView
    nodes: dict[str, Node]
    entities: dict[str, Entity]
    into: dict[str, list[Hop]] = field(default_factory=dict)
    """Role node key -> the hops that enter it."""
    out_of: dict[str, list[Hop]] = field(default_factory=dict)
    """Node key -> the hops it takes."""
    grants: dict[tuple[str, str], Edge] = field(default_factory=dict)
    """(principal, role) -> a grant edge of the principal on the role."""
    groups_of: dict[str, list[str]] = field(default_factory=dict)
    work_left: int = MAX_CONFIRMING_WORK
    trust_sizes: dict[str, int] = field(default_factory=dict)
    by_statement: dict[tuple[str, Location], Edge] = field(default_factory=dict)
    """(principal, grant statement) -> a grant edge of that statement."""
    pattern_grantees: set[str] = field(default_factory=set)
    """Principals granted sts:AssumeRole on a pattern of roles (`*`, `role/ci-*`)."""

    def granted(self, source: str, target: str) -> Edge | None:
        """A grant of `source` (or of one of its groups) on `target`, if the graph has one."""
        edge = self.grants.get((source, target))
        if edge is not None:
            return edge
        for group in self.groups_of.get(source, ()):
            edge = self.grants.get((group, target))
            if edge is not None:
                return edge
        return None

    def may_be_granted(self, source: str, target: str) -> bool:
        """Whether `source` has a grant on `target`, or on a pattern that may cover it."""
        if self.granted(source, target) is not None:
            return True
        holders = (source, *self.groups_of.get(source, ()))
        return any(holder in self.pattern_grantees for holder in holders)

    def statement_grant(self, source: str, statement: Location) -> Edge | None:
        """The grant edge of `source` (or of one of its groups) written by `statement`."""
        for holder in (source, *self.groups_of.get(source, ())):
            edge = self.by_statement.get((holder, statement))
            if edge is not None:
                return edge
        return None

    def role_nodes(self) -> list[Node]:
        return [node for node in self.view.nodes if node.kind == "role" and node.defined]

    def label(self, key: str) -> str:
        node = self.nodes.get(key)
        return node.label if node is not None else key


def reach_index(graph: TrustGraph) -> ReachIndex:
    view = graph_view(graph)
    entities = {entity_key(entity): entity for entity in (*graph.roles, *graph.users)}
    index = ReachIndex(view, {node.key: node for node in view.nodes}, entities)
    grants, groups_of = index.grants, index.groups_of
    for edge in view.edges:
        if edge.kind == "is-granted":
            grants.setdefault((edge.source, edge.target), edge)
            if edge.statement_location is not None:
                index.by_statement.setdefault((edge.source, edge.statement_location), edge)
            if index.nodes[edge.target].kind == "pattern":
                index.pattern_grantees.add(edge.source)
        elif edge.kind == "member-of":
            groups_of.setdefault(edge.source, []).append(edge.target)
    by_account: dict[str, list[str]] = {}
    for key, entity in entities.items():
        if entity.account is not None:
            by_account.setdefault(entity.account, []).append(key)
    for edge in view.edges:
        if edge.kind != "may-assume":
            continue
        target = entities.get(edge.target)
        if target is None or target.kind != "role":
            continue
        source_node = index.nodes.get(edge.source)
        if source_node is None or not _enters(edge, source_node):
            continue
        if source_node.kind == "account" and source_node.account is not None:
            callers = [
                key
                for key in by_account.get(source_node.account, ())
                if key != edge.target and index.may_be_granted(key, edge.target)
            ]
            hops = [_hop(graph, index, key, edge) for key in callers]
            hops.append(Hop(edge.source, edge.target, edge))  # the account as an entry
        elif edge.source in entities:
            hops = [_hop(graph, index, edge.source, edge)]
        else:
            hops = [Hop(edge.source, edge.target, edge)]
        for hop in hops:
            if hop is None:
                continue
            index.into.setdefault(hop.target, []).append(hop)
            index.out_of.setdefault(hop.source, []).append(hop)
    return index


_FEDERATED_ACTIONS = ("AssumeRoleWithWebIdentity", "AssumeRoleWithSAML")


def _enters(edge: Edge, source: Node) -> bool:
    """Whether the trust lets the source start a session: sts:AssumeRole, or for an
    identity provider the web-identity or SAML call it makes."""
    if "AssumeRole" in edge.actions:
        return True
    return source.kind == "federated" and any(a in edge.actions for a in _FEDERATED_ACTIONS)


def _hop(graph: TrustGraph, index: ReachIndex, source: str, trust: Edge) -> Hop | None:
    """The hop from an entity into a role through `trust`, confirmed; None when it cannot work."""
    caller_entity = index.entities[source]
    role = index.entities[trust.target]
    caller = caller_of(caller_entity)
    cost = index.trust_sizes.get(trust.target)
    if cost is None:
        document = getattr(role.model, "trust_policy", None)
        statements = document.statements if document is not None else ()
        cost = index.trust_sizes[trust.target] = 1 + sum(len(s.principals) for s in statements)
    if cost > index.work_left:
        grant = index.granted(source, trust.target)
        why = "not confirmed: this scan's budget for confirming role chains is spent"
        return Hop(source, trust.target, trust, grant, decided=False, why=why)
    index.work_left -= cost
    admitted = admission(graph, role, caller)
    if admitted.value is False:
        return None
    grant = index.granted(source, trust.target)
    exact = index.nodes[trust.source].kind in ("role", "user")
    same_account = caller_entity.account is not None and caller_entity.account == role.account
    needs_grant = not (exact and same_account)
    reasons = [admitted.reason] if admitted.value is None else []
    if needs_grant:
        access = grant_access(graph, [caller_entity], role)
        if access.state in ("missing", "blocked"):
            return None
        if access.state == "undecided":
            reasons.append(access.reason or f"whether {caller.label} may call it")
        if grant is None:  # granted on a pattern (`*`, `role/ci-*`): the statement that covers it
            grant = _covering_grant(graph, index, source, caller_entity, role)
    if reasons:
        return Hop(source, trust.target, trust, grant, decided=False, why="; ".join(reasons))
    return Hop(source, trust.target, trust, grant)


def _covering_grant(
    graph: TrustGraph, index: ReachIndex, source: str, caller: Entity, role: Entity
) -> Edge | None:
    found, _ = grants_on(graph, caller, role)
    for statement in sorted(found, key=lambda grant: grant.covers is not True):
        edge = index.statement_grant(source, statement.statement.location)
        if edge is not None:
            return edge
    return None


@record
class ReachPath:
    """Hops in order: the first one's source is the origin, the last one's target the role."""

    hops: tuple[Hop, ...]

    @property
    def origin(self) -> str:
        return self.hops[0].source

    @property
    def decided(self) -> bool:
        return all(hop.decided for hop in self.hops)


def paths_to(
    index: ReachIndex, role: str, max_hops: int = DEFAULT_MAX_HOPS
) -> tuple[list[ReachPath], bool]:
    """Every path into `role` of at most `max_hops` hops; True when some were left out."""
    found: list[ReachPath] = []
    truncated = False

    def walk(target: str, suffix: tuple[Hop, ...], visited: frozenset[str]) -> None:
        nonlocal truncated
        for hop in index.into.get(target, ()):
            if hop.source in visited:
                continue  # a cycle
            if len(found) >= MAX_PATHS:
                truncated = True
                return
            path = (hop, *suffix)
            found.append(ReachPath(path))
            if len(path) < max_hops and hop.source in index.into:
                walk(hop.source, path, visited | {hop.source})

    walk(role, (), frozenset({role}))
    return sorted(found, key=_path_order(index)), truncated


def paths_from(
    index: ReachIndex, origins: list[str], max_hops: int = DEFAULT_MAX_HOPS
) -> tuple[list[ReachPath], bool]:
    """Every path out of the `origins` of at most `max_hops` hops; True when some were left out."""
    found: list[ReachPath] = []
    truncated = False

    def walk(source: str, prefix: tuple[Hop, ...], visited: frozenset[str]) -> None:
        nonlocal truncated
        for hop in index.out_of.get(source, ()):
            if hop.target in visited:
                continue
            if len(found) >= MAX_PATHS:
                truncated = True
                return
            path = (*prefix, hop)
            found.append(ReachPath(path))
            if len(path) < max_hops:
                walk(hop.target, path, visited | {hop.target})

    for origin in origins:
        walk(origin, (), frozenset({origin}))
    return sorted(found, key=_path_order(index)), truncated


def role_chains(
    index: ReachIndex, start: str, max_hops: int, *, undecided: bool = False
) -> Iterator[tuple[Hop, ...]]:
    """Role-to-role chains out of the role `start`, each as its hops.

    Every hop is decided; with `undecided`, a chain may also end with one hop
    the files cannot decide (never followed further), for `--strict` notes.
    """

    def walk(
        source: str, prefix: tuple[Hop, ...], visited: frozenset[str]
    ) -> Iterator[tuple[Hop, ...]]:
        for hop in index.out_of.get(source, ()):
            target = index.entities.get(hop.target)
            if hop.target in visited or target is None:
                continue
            path = (*prefix, hop)
            if not hop.decided:
                if undecided:
                    yield path
                continue
            yield path
            if len(path) < max_hops:
                yield from walk(hop.target, path, visited | {hop.target})

    yield from walk(start, (), frozenset({start}))


def _path_order(index: ReachIndex) -> Callable[[ReachPath], tuple[object, ...]]:
    def key(path: ReachPath) -> tuple[object, ...]:
        return (
            len(path.hops),
            tuple(index.label(hop.source).lower() for hop in path.hops),
            index.label(path.hops[-1].target).lower(),
            tuple(hop.trust.location for hop in path.hops),
        )

    return key
