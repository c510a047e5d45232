"""What a scan keeps of a unit once the single-unit checks have seen it: what the trust graph reads.

The cross-unit checks (TL004, TL005) run on the whole project at the end of
a scan, and `trustlint graph` draws the units the scan returns, so every unit
stays until then. Of a large project, most of the model is what the graph
never reads:

- statements of identity policies, permissions boundaries and service control
  policies whose actions cannot include `sts:AssumeRole`
  (`statement_allows_action(statement, ASSUME_ROLE)` is False): every
  question the graph asks of such a statement (does it allow, deny or cover
  `sts:AssumeRole` for a caller) has the answer no, and an Allow list
  without it answers as the full list does. Statements keep their `index`,
  so their labels (`statement 3`) do not change;
- what only single-unit checks read: policy versions, where a statement's
  `Principal`, `Action` and `Condition` keys are written, session durations,
  standalone documents that are neither trust nor identity policies, trust
  documents no role uses (the graph has no role for them), and OIDC providers.

Trust policies, principals, entities, attachments and memberships stay whole,
and so do a unit's suppressions and parse errors, which the engine applies and
reports after the graph checks. `graph_may_find` tells when the graph checks
can have nothing to report, so that a scan need not build the graph.
"""

from __future__ import annotations

from collections.abc import Iterator

from trustlint.arns import parse_arn, principal_name
from trustlint.model import Group, PolicyDocument, Role, SourceUnit, Statement, Text, User
from trustlint.policy import ASSUME_ROLE, statement_allows_action
from trustlint.records import replace


def for_graph(unit: SourceUnit) -> SourceUnit:
    """The unit without what the trust graph never reads."""
    pruned = _Pruned()
    return replace(
        unit,
        roles=tuple(
            replace(
                role,
                trust_policy=pruned.trust(role.trust_policy),
                inline_policies=pruned.identities(role.inline_policies),
                max_session_duration=None,
            )
            for role in unit.roles
        ),
        users=tuple(
            replace(user, inline_policies=pruned.identities(user.inline_policies))
            for user in unit.users
        ),
        groups=tuple(
            replace(group, inline_policies=pruned.identities(group.inline_policies))
            for group in unit.groups
        ),
        managed_policies=tuple(
            replace(policy, document=pruned.identity(policy.document))
            for policy in unit.managed_policies
        ),
        attachments=tuple(
            replace(attachment, document=pruned.identity(attachment.document))
            for attachment in unit.attachments
        ),
        permission_sets=tuple(
            replace(
                permission_set,
                inline_policy=pruned.identity(permission_set.inline_policy),
                session_duration=None,
            )
            for permission_set in unit.permission_sets
        ),
        organization_policies=tuple(
            replace(policy, document=pruned.identity(policy.document))
            for policy in unit.organization_policies
        ),
        oidc_providers=(),
        documents=tuple(
            pruned.trust_document(document)
            if document.kind == "trust"
            else pruned.identity_document(document)
            for document in unit.documents
            if document.kind in ("trust", "identity")
        ),
        trust_documents=(),
    )


class _Pruned:
    """Pruned documents of one unit, each made once: the graph tells documents apart by identity."""

    def __init__(self) -> None:
        self._done: dict[int, PolicyDocument] = {}

    def trust(self, document: PolicyDocument | None) -> PolicyDocument | None:
        return None if document is None else self.trust_document(document)

    def identity(self, document: PolicyDocument | None) -> PolicyDocument | None:
        return None if document is None else self.identity_document(document)

    def identities(self, documents: tuple[PolicyDocument, ...]) -> tuple[PolicyDocument, ...]:
        return tuple(self.identity_document(document) for document in documents)

    def trust_document(self, document: PolicyDocument) -> PolicyDocument:
        done = self._done.get(id(document))
        if done is None:
            statements = tuple(_statement(statement) for statement in document.statements)
            done = replace(document, version=None, statements=statements)
            self._done[id(document)] = done
        return done

    def identity_document(self, document: PolicyDocument) -> PolicyDocument:
        done = self._done.get(id(document))
        if done is None:
            statements = tuple(
                _statement(statement)
                for statement in document.statements
                if statement_allows_action(statement, ASSUME_ROLE) is not False
            )
            done = replace(document, version=None, statements=statements)
            self._done[id(document)] = done
        return done


def _statement(statement: Statement) -> Statement:
    """The statement without where its keys are written (single-unit findings point there)."""
    return replace(
        statement, principal_location=None, action_location=None, condition_location=None
    )


def graph_may_find(units: list[SourceUnit]) -> bool:
    """Whether TL004 or TL005 can report anything on these units.

    TL004 reports an identity statement that allows `sts:AssumeRole`
    (`statement_allows_action` True) on a role ARN, without wildcards, of a
    role the units define; TL005 a trust statement that allows it to an
    account root or to a role or user the units define. Names are compared
    here by the last part of the ARN alone (any account, any kind of
    principal), which can only find more than the graph does; when nothing
    matches, both stay silent and the graph need not be built.
    """
    roles = {name for unit in units for name in _names(unit.roles)}
    principals = roles | {name for unit in units for name in _names(unit.users)}
    for unit in units:
        for role in unit.roles:
            trust = role.trust_policy
            if trust is not None and any(
                _may_be_scanned_principal(principal.value, principals)
                for statement in _assume_allows(trust)
                for principal in statement.principals
                if principal.kind == "aws"
            ):
                return True
        for document in _identity_documents(unit):
            if any(
                _may_be_scanned_role(resource.value, roles)
                for statement in _assume_allows(document)
                for resource in statement.resources
            ):
                return True
    return False


def _names(entities: tuple[Role, ...] | tuple[User, ...]) -> Iterator[str]:
    for entity in entities:
        if entity.name.text is not None:
            yield entity.name.text.lower()


def _assume_allows(document: PolicyDocument) -> Iterator[Statement]:
    for statement in document.statements:
        if statement.is_allow and statement_allows_action(statement, ASSUME_ROLE) is True:
            yield statement


def _may_be_scanned_principal(value: Text, names: set[str]) -> bool:
    """Whether a trust principal can name an account root or one of `names`."""
    arn = parse_arn(value) if isinstance(value, str) else None
    if arn is None:
        return False
    if arn.resource_type == "root":
        return True
    if arn.resource_type not in ("role", "assumed-role", "user"):
        return False
    name = principal_name(arn)
    return name is not None and name.lower() in names


def _may_be_scanned_role(value: Text, names: set[str]) -> bool:
    """Whether a grant's resource can name one of the roles `names` exactly."""
    arn = parse_arn(value) if isinstance(value, str) else None
    if arn is None or arn.resource_type != "role" or arn.name is None:
        return False
    if arn.service is None or arn.service.lower() != "iam":
        return False
    return "*" not in arn.name and "?" not in arn.name and arn.name.lower() in names


def _identity_documents(unit: SourceUnit) -> list[PolicyDocument]:
    entities: tuple[Role | User | Group, ...] = (*unit.roles, *unit.users, *unit.groups)
    documents = [document for entity in entities for document in entity.inline_policies]
    documents += [p.document for p in unit.managed_policies if p.document is not None]
    documents += [a.document for a in unit.attachments if a.document is not None]
    documents += [d for d in unit.documents if d.kind == "identity"]
    return documents
