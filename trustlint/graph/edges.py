"""The nodes and edges of the trust graph, as `trustlint graph` draws them.

Three kinds of edge, each carrying where it was written:

- `may-assume`: a trust statement lets a principal assume a role (with the
  statement's conditions in words: ExternalId, MFA, OIDC subject, org);
- `is-granted`: an identity statement allows a principal `sts:AssumeRole` on
  a role (or on a pattern of roles, drawn as one node, never expanded);
- `member-of`: a user belongs to a group, whose grants it shares.

A role is one node however it is named (ARN, name, reference); principals
outside the scanned set are nodes too, marked as not defined.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from trustlint.arns import ACCOUNT_ID
from trustlint.graph.entities import Entity, HeldPolicy
from trustlint.graph.graph import TrustGraph
from trustlint.graph.matching import exact_role_target, resource_matches_role
from trustlint.graph.scope import ResolvedArn, is_placeholder
from trustlint.model import (
    THIS_ACCOUNT,
    Condition,
    Location,
    Principal,
    SourceUnit,
    Statement,
    Unknown,
    Value,
)
from trustlint.policy import (
    ASSUME_ACTIONS,
    ASSUME_ROLE,
    has_wildcard,
    key_name,
    statement_allows_action,
)
from trustlint.records import field, record, replace

NodeKind = Literal[
    "role", "user", "group", "account", "any", "service", "federated", "pattern", "trust-policy"
]
EdgeKind = Literal["may-assume", "is-granted", "member-of"]


@record
class Node:
    key: str
    kind: NodeKind
    label: str
    account: str | None
    """Account key of the account the node belongs to; None for none or unknown."""
    location: Location | None = None
    """Where it is defined in the scanned set; None for principals outside it."""

    @property
    def defined(self) -> bool:
        return self.location is not None


@record
class Edge:
    source: str
    target: str
    kind: EdgeKind
    location: Location
    """The principal (may-assume), the resource value (is-granted) or the membership."""
    statement_location: Location | None = None
    statement: str = ""
    actions: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    branch: str | None = None
    via: str = ""
    """For `is-granted`: the policy that grants it."""
    reason: str = ""
    """Why the edge exists, in words: which statement of which policy."""
    findings: tuple[str, ...] = field(default=())


@record
class GraphView:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    accounts: tuple[tuple[str, str], ...]
    """(account key, label) of every account that holds a node, in drawing order."""
    account_ids: dict[str, str] = field(default_factory=dict)
    """Account key -> the id exported for it (`<this-account>@unit` for a placeholder)."""


def graph_view(graph: TrustGraph) -> GraphView:
    """All nodes and edges of the graph, sorted: the same input gives the same view."""
    builder = _Builder(graph)
    builder.add_entities()
    builder.add_trusts()
    builder.add_grants()
    builder.add_memberships()
    return builder.view()


def mark_findings(view: GraphView, findings: Iterable[tuple[str, Location]]) -> GraphView:
    """Mark each edge with the rules whose finding points at it.

    A finding marks the edges at its exact location; one inside a statement
    (a condition key) marks that statement's edges.
    """
    exact: dict[Location, set[str]] = {}
    inside: list[tuple[Location, str]] = []
    locations = {edge.location for edge in view.edges}
    for rule_id, location in findings:
        if location in locations:
            exact.setdefault(location, set()).add(rule_id)
        else:
            inside.append((location, rule_id))
    edges = []
    for edge in view.edges:
        rules = set(exact.get(edge.location, ()))
        statement = edge.statement_location
        if statement is not None:
            rules.update(rule for loc, rule in inside if _within(loc, statement))
        edges.append(replace(edge, findings=tuple(sorted(rules))))
    return GraphView(view.nodes, tuple(edges), view.accounts, view.account_ids)


def _within(location: Location, span: Location) -> bool:
    if location.path != span.path:
        return False
    start = (location.line, location.column) >= (span.line, span.column)
    end = (location.end_line, location.end_column) <= (span.end_line, span.end_column)
    return start and end


def entity_key(entity: Entity) -> str:
    """The node key of a scanned role, user or group."""
    if entity.name is None or entity.account is None:
        return f"{entity.kind}:{entity.unit.unit}:{entity.model.resource.address}"
    return f"{entity.kind}:{entity.account}:{entity.name}"


class _Builder:
    def __init__(self, graph: TrustGraph) -> None:
        self.graph = graph
        self.scope = graph.scope
        self.nodes: dict[str, Node] = {}
        self.edges: set[Edge] = set()

    def view(self) -> GraphView:
        accounts = sorted(
            {node.account for node in self.nodes.values() if node.account is not None},
            key=lambda key: (key.startswith("<"), self.scope.account_id(key) or key),
        )
        nodes = sorted(
            self.nodes.values(),
            key=lambda n: (n.account is None, n.account or "", n.kind, n.label.lower(), n.key),
        )
        edges = sorted(
            self.edges,
            key=lambda e: (e.source, e.target, e.kind, e.location, e.statement, e.conditions),
        )
        return GraphView(
            tuple(nodes),
            tuple(edges),
            tuple((key, self.scope.describe_account(key).capitalize()) for key in accounts),
            {key: self.scope.account_id(key) or key for key in accounts},
        )

    def _add(self, node: Node) -> str:
        existing = self.nodes.get(node.key)
        if existing is None or (existing.location is None and node.location is not None):
            self.nodes[node.key] = node
        return node.key

    # --- nodes -------------------------------------------------------------------

    def entity_key(self, entity: Entity) -> str:
        return entity_key(entity)

    def add_entities(self) -> None:
        graph = self.graph
        for entity in (*graph.roles, *graph.users, *graph.groups):
            label = entity.label
            name = entity.display_name
            if name and entity.model.resource.address.startswith("arn:"):
                label = f"{entity.label.split(' ', 1)[0]} {name}"
            elif (
                name
                and entity.name is not None
                and not is_placeholder(entity.name)
                and name != entity.model.resource.address
            ):
                label = f"{entity.label} ({name})"
            self._add(
                Node(
                    self.entity_key(entity),
                    entity.kind,
                    label,
                    entity.account,
                    entity.location,
                )
            )

    def _principal_node(self, principal: Principal, unit: SourceUnit) -> str:
        value = principal.value
        if principal.kind == "*" or (principal.kind == "aws" and value == "*"):
            return self._add(Node("any", "any", "Any AWS principal", None))
        if isinstance(value, Unknown):
            return self._add(
                Node(f"unknown:{value.text}", "pattern", f"unknown {value.text}", None)
            )
        if principal.kind == "service":
            return self._add(Node(f"service:{value.lower()}", "service", f"Service {value}", None))
        if principal.kind == "canonical":
            return self._add(Node(f"canonical:{value}", "pattern", f"CanonicalUser {value}", None))
        if principal.kind != "aws":
            resolved = self.scope.resolve_arn(unit, value)
            account = resolved.account if resolved is not None else None
            kind: NodeKind = "federated"
            if account is not None and ACCOUNT_ID.match(account) and THIS_ACCOUNT in value:
                # The provider of the unit's own, configured account.
                value = value.replace(THIS_ACCOUNT, account)
            return self._add(Node(f"{kind}:{value}", kind, f"Federated {value}", account))
        resolved = self.scope.resolve_arn(unit, value)
        if resolved is None or resolved.account is None:
            return self._add(Node(f"aws:{value}", "pattern", value, None))
        account = resolved.account
        resource_type = resolved.arn.resource_type
        if resource_type == "root":
            label = f"Account {self.scope.account_id(account)} (root)"
            return self._add(Node(f"account:{account}", "account", label, account))
        if resource_type in ("role", "assumed-role", "user") and resolved.name is not None:
            kind = "user" if resource_type == "user" else "role"
            key = f"{kind}:{account}:{resolved.name}"
            if key not in self.nodes:
                label = f"{kind.capitalize()} {resolved.arn.name}"
                return self._add(Node(key, kind, label, account))
            return key
        return self._add(Node(f"aws:{resolved.text}", "pattern", resolved.text, account))

    # --- edges -------------------------------------------------------------------

    def add_trusts(self) -> None:
        for role in self.graph.roles:
            trust = getattr(role.model, "trust_policy", None)
            if trust is None:
                continue
            owner = f"the trust policy of {role.label}"
            self._trust_edges(self.entity_key(role), owner, role.unit, trust.statements)
        for unit in self.graph.project.units:
            for document in unit.documents:
                if document.kind != "trust":
                    continue
                key = self._add(
                    Node(
                        f"trust-policy:{unit.unit}",
                        "trust-policy",
                        f"trust policy {unit.unit}",
                        self.scope.unit_account(unit),
                        document.location,
                    )
                )
                self._trust_edges(key, f"trust policy {unit.unit}", unit, document.statements)

    def _trust_edges(
        self, target: str, owner: str, unit: SourceUnit, statements: Iterable[Statement]
    ) -> None:
        for statement in statements:
            if not statement.is_allow:
                continue
            actions = tuple(
                action.removeprefix("sts:")
                for action in ASSUME_ACTIONS
                if statement_allows_action(statement, action) is not False
            )
            if not actions:
                continue
            conditions = describe_conditions(statement.conditions)
            for principal in statement.principals:
                source = self._principal_node(principal, unit)
                self.edges.add(
                    Edge(
                        source,
                        target,
                        "may-assume",
                        principal.location,
                        statement.location,
                        statement.label,
                        actions,
                        conditions,
                        statement.branch,
                        reason=f"{statement.label} of {owner} admits {principal.value}",
                    )
                )

    def add_grants(self) -> None:
        graph = self.graph
        for entity in (*graph.roles, *graph.users, *graph.groups):
            source = self.entity_key(entity)
            holdings = graph.holdings(entity)
            for held in holdings.policies:
                if held.certain and not held.via.startswith("through "):
                    self._grant_edges(source, held)

    def _grant_edges(self, source: str, held: HeldPolicy) -> None:
        for statement in held.document.statements:
            if (
                not statement.is_allow
                or statement_allows_action(statement, ASSUME_ROLE) is not True
            ):
                continue
            conditions = describe_conditions(statement.conditions)
            values = statement.resources if not statement.has_not_resource else ()
            for value in values:
                target = self._grant_target(value, held.unit)
                self.edges.add(
                    Edge(
                        source,
                        target,
                        "is-granted",
                        value.location,
                        statement.location,
                        statement.label,
                        ("AssumeRole",),
                        conditions,
                        statement.branch,
                        held.owner,
                        reason=(
                            f"{statement.label} of {held.owner} allows sts:AssumeRole on "
                            f"{value.value}"
                        ),
                    )
                )

    def _grant_target(self, value: Value, unit: SourceUnit) -> str:
        resolved = exact_role_target(self.scope, value, unit)
        if resolved is not None:
            for role in self.graph.entities("role", resolved.account, resolved.name):
                if resource_matches_role(self.scope, value, unit, role) is True:
                    return self.entity_key(role)
            return self._external_role(resolved)
        text = value.text
        if text is None:
            return self._add(Node(f"pattern:{value.value}", "pattern", str(value.value), None))
        resolved_pattern = self.scope.resolve_arn(unit, text)
        account = resolved_pattern.account if resolved_pattern is not None else None
        if account is not None and has_wildcard(account):
            account = None
        shown = resolved_pattern.text if resolved_pattern is not None else text
        return self._add(Node(f"pattern:{account}:{shown}", "pattern", shown, account))

    def _external_role(self, resolved: ResolvedArn) -> str:
        key = f"role:{resolved.account}:{resolved.name}"
        if key in self.nodes:
            return key
        return self._add(Node(key, "role", f"Role {resolved.arn.name}", resolved.account))

    def add_memberships(self) -> None:
        for group in self.graph.groups:
            for membership in self.graph.members(group):
                if not membership.certain:
                    continue
                user = membership.entity
                self.edges.add(
                    Edge(
                        self.entity_key(user),
                        self.entity_key(group),
                        "member-of",
                        user.location,
                    )
                )


# --- conditions in words -------------------------------------------------------------

_CONDITION_WORDS = {
    "sts:externalid": "ExternalId",
    "aws:multifactorauthpresent": "MFA",
    "aws:multifactorauthage": "MFA age",
    "aws:principalorgid": "org",
    "aws:principalorgpaths": "org path",
    "aws:sourceorgid": "source org",
    "aws:principalarn": "principal",
    "aws:principalaccount": "account",
    "aws:sourcearn": "source",
    "aws:sourceaccount": "source account",
}


def describe_conditions(conditions: Iterable[Condition]) -> tuple[str, ...]:
    """Conditions as short words for edge labels: `ExternalId`, `MFA`, `sub: repo:o/r:*`."""
    words = []
    for condition in conditions:
        key = key_name(condition)
        if key is None:
            words.append("unknown condition")
            continue
        values = ", ".join(v.text if v.text is not None else "?" for v in condition.values)
        operator = condition.operator if isinstance(condition.operator, str) else "?"
        if key == "sts:externalid":
            words.append("ExternalId")
        elif key == "aws:multifactorauthpresent":
            words.append("MFA" if operator == "Bool" and values == "true" else f"MFA {operator}")
        elif key.endswith((":sub", ":aud", ":amr")) or ":job_workflow_ref" in key:
            words.append(f"{key.rsplit(':', 1)[1]}: {values}")
        elif key in _CONDITION_WORDS:
            words.append(f"{_CONDITION_WORDS[key]}: {values}")
        else:
            words.append(f"{condition.key}")
    return tuple(dict.fromkeys(words))
