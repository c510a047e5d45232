"""Which units bear on a partial scan: the lightweight link graph of the trust graph.

A partial scan (`scan FILE`, as pre-commit runs it) loads only the units that
can change a finding FILE takes part in. The trust graph joins units by IAM
name and account only; `Links` is what one unit brings to those joins (the
names it defines and mentions, the accounts it is in and trusts), small
enough for the cache index to keep for every source (`Links.dump`), and
`related` picks the units to load from them.

The links must answer as the graph does, or keep more: statements and names
are read with the graph's own rules (`policy.ASSUME_ACTIONS` and
`statement_allows_action`, `policy` wildcards, `arns.parse_arn`,
`arns.ACCOUNT_ID`). This module is imported on every scan, before the graph
is built (if it is): it imports nothing of the graph itself.
"""

from __future__ import annotations

import marshal
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import lru_cache

from trustlint.arns import ACCOUNT_ID, parse_arn, principal_name
from trustlint.model import Arn, PolicyDocument, SourceUnit, Statement, Text, Value
from trustlint.policy import ASSUME_ACTIONS, glob_regex, has_wildcard, statement_allows_action
from trustlint.records import record

AccountForPath = Callable[[str], "str | None"]
"""The config's `accounts.paths` lookup: which account a project-relative path deploys into."""


@record
class Links:
    """What ties a unit to others in the trust graph.

    Names are IAM entities as `kind:name` in lower case (`role:deploy`,
    `user:alice`, `group:admins`, `policy:assume-deploy`): those the unit
    defines, and those it mentions where the graph joins units (a trust
    principal, a grant's resource, an attachment's target, a group member, a
    managed policy). Names chosen at deploy time are left out: the graph
    scopes them to their unit. `patterns` are names written with wildcards
    (`role:app-*`; `*:*` for `Resource: "*"`).
    """

    unit: str = ""
    paths: tuple[str, ...] = ()
    defines: frozenset[str] = frozenset()
    mentions: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()
    """Roles and users an attachment or a group membership names: principals that
    hold what the unit gives them."""
    patterns: tuple[str, ...] = ()
    accounts: frozenset[str] = frozenset()
    """Literal accounts the unit, or an entity it defines, is stated to be in."""
    trusted_accounts: frozenset[str] = frozenset()
    """Literal accounts whose root (or bare id) a trust policy of the unit admits."""
    stated: bool = False
    """Whether the source states the unit's account (else config or nothing decides)."""
    universal: bool = False
    """Holds what applies across units: organization policies (SCPs, RCPs), or an
    attachment whose target is unknown, which any principal may hold."""

    @property
    def names(self) -> frozenset[str]:
        """Every name above."""
        return self.defines | self.mentions | self.targets

    @property
    def followable(self) -> frozenset[str]:
        """The names that are not roles."""
        return frozenset(name for name in self.names if not name.startswith("role:"))

    def shares_a_name(self, names: set[str]) -> bool:
        """Whether the unit defines, mentions or targets one of `names`.

        `related` asks this of every unit: cheaper than making `self.names` for each.
        """
        return not (
            names.isdisjoint(self.defines)
            and names.isdisjoint(self.mentions)
            and names.isdisjoint(self.targets)
        )

    def dump(self) -> bytes:
        """The links as the cache index keeps them: one small bytes object a source."""
        return marshal.dumps(
            (
                self.unit,
                self.paths,
                tuple(sorted(self.defines)),
                tuple(sorted(self.mentions)),
                tuple(sorted(self.targets)),
                self.patterns,
                tuple(sorted(self.accounts)),
                tuple(sorted(self.trusted_accounts)),
                self.stated,
                self.universal,
            )
        )

    @classmethod
    def load(cls, data: bytes) -> Links:
        """The links `dump` wrote (marshal gives back the types it was given)."""
        unit, paths, defines, mentions, targets, patterns, accounts, trusted, stated, universal = (
            marshal.loads(data)
        )
        return cls(
            unit,
            paths,
            frozenset(defines),
            frozenset(mentions),
            frozenset(targets),
            patterns,
            frozenset(accounts),
            frozenset(trusted),
            stated,
            universal,
        )


def related(
    links: Sequence[Links],
    focus: Collection[str],
    account_for_path: AccountForPath | None = None,
) -> list[int]:
    """Indexes of the units a scan reporting on `focus` must load, in order.

    A finding located in a focused file comes from a unit holding that file
    (a focused unit). Single-unit rules need nothing else; the cross-file
    rules (TL004, TL005) read the trust graph, which joins units by IAM name
    and account only, and only names some unit defines. So these are kept:

    1. the focused units, and the units holding organization policies or an
       attachment to an unknown target (they bear on every principal);
    2. every unit that defines, mentions or targets a name the focused units
       define, mention or target, or that their wildcards match (the roles
       their grants name and their trusts admit, the principals holding
       their policies; `Resource: "*"` keeps every unit);
    3. then, transitively over every unit kept: the units sharing a user,
       group or managed policy name with it (what a principal holds, through
       groups, attachments and managed policies), and the units defining a
       role or user that an attachment or membership in it targets. Role
       names are not followed further: a role two steps away cannot change a
       finding in the focused files;
    4. for a focused trust of an account root: when some unit is in that
       account, every unit that may be (in it, or with no account stated or
       configured), since TL005 then asks whether any principal of that
       account in the scanned set may assume the role.

    `tests/cli/test_partial_scan.py` checks this against full scans of a
    generated corpus; a change to how the graph joins units must keep it true.
    `trustlint.graph.link_index` answers it from maps of names to units.
    """
    from trustlint.graph.link_index import LinkIndex, positional
    from trustlint.graph.link_index import related as related_sources

    chosen = related_sources(LinkIndex.build(positional(links)), focus, account_for_path)
    return sorted(int(source) for source in chosen)


def _configured_account(link: Links, account_for_path: AccountForPath | None) -> str | None:
    if link.stated or account_for_path is None:
        return None
    for path in (link.unit, *link.paths):
        account = account_for_path(path)
        if account is not None:
            return account
    return None


@lru_cache(maxsize=4096)
def _matcher_for(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # `policy.wildcard_match`'s semantics (the graph's), as one expression for speed.
    return re.compile(
        "|".join(f"(?:{glob_regex(pattern)})" for pattern in patterns), re.IGNORECASE | re.DOTALL
    )


def _matcher(patterns: Iterable[str]) -> re.Pattern[str]:
    return _matcher_for(tuple(sorted(patterns)))


def touches(paths: Iterable[str], focus: Collection[str]) -> bool:
    """Whether any of `paths` is one of `focus` or lies under one of them."""
    for path in paths:
        for target in focus:
            if target in (".", path) or path.startswith(target + "/"):
                return True
    return False


def unit_links(unit: SourceUnit | None) -> Links:
    """The `Links` of a unit: see `related` for how they are used."""
    if unit is None:
        return Links()
    found = _Names()
    for role in unit.roles:
        found.define("role", role.name, role.arn, role.account)
        found.trust(role.trust_policy)
        found.policies(*role.inline_policies)
        found.arns(*role.managed_policy_arns, role.permissions_boundary)
    for user in unit.users:
        found.define("user", user.name, user.arn, user.account)
        found.policies(*user.inline_policies)
        found.arns(*user.managed_policy_arns, user.permissions_boundary)
        for group_name in user.groups:
            found.named("group", group_name)
    for group in unit.groups:
        found.define("group", group.name, group.arn, group.account)
        found.policies(*group.inline_policies)
        found.arns(*group.managed_policy_arns)
    for policy in unit.managed_policies:
        found.define("policy", policy.name, policy.arn, policy.account)
        found.policies(policy.document)
    universal = bool(unit.organization_policies or unit.organizations)
    for attachment in unit.attachments:
        universal = universal or attachment.target.text is None
        found.named(attachment.target_kind, attachment.target, target=True)
        found.arns(attachment.policy_arn)
        found.policies(attachment.document)
    for membership in unit.memberships:
        found.named("group", membership.group)
        for member in membership.users:
            found.named("user", member, target=True)
    for permission_set in unit.permission_sets:
        found.policies(permission_set.inline_policy)
    for organization_policy in unit.organization_policies:
        found.policies(organization_policy.document)
    for document in unit.documents:
        found.trust(document)
        found.policies(document)
    if isinstance(unit.account, str) and ACCOUNT_ID.fullmatch(unit.account):
        found.accounts.add(unit.account)
    return Links(
        unit=unit.unit,
        paths=tuple(unit.paths),
        defines=frozenset(found.defines),
        mentions=frozenset(found.mentions - found.defines),
        targets=frozenset(found.targets),
        patterns=tuple(sorted(found.patterns)),
        accounts=frozenset(found.accounts),
        trusted_accounts=frozenset(found.trusted_accounts),
        stated=unit.account is not None,
        universal=universal,
    )


class _Names:
    def __init__(self) -> None:
        self.defines: set[str] = set()
        self.mentions: set[str] = set()
        self.targets: set[str] = set()
        self.patterns: set[str] = set()
        self.accounts: set[str] = set()
        self.trusted_accounts: set[str] = set()

    def mention(self, token: str | None) -> None:
        if token is None or _scoped(token):
            return
        if has_wildcard(token):
            self.patterns.add(token)
        else:
            self.mentions.add(token)

    def define(self, kind: str, name: Value, arn: Text | None, account: Text | None) -> None:
        if name.text and not _scoped(name.text):
            self.defines.add(f"{kind}:{name.text.lower()}")
        if isinstance(arn, str):
            token = _arn_token(arn)
            if token is not None and not _scoped(token):
                self.defines.add(token)
            parsed = _parse_arn(arn)
            if parsed is not None and parsed.account and ACCOUNT_ID.fullmatch(parsed.account):
                self.accounts.add(parsed.account)
        if isinstance(account, str) and ACCOUNT_ID.fullmatch(account):
            self.accounts.add(account)

    def named(self, kind: str, value: Value, *, target: bool = False) -> None:
        """A name as written in an attachment or membership (an ARN is accepted too)."""
        text = value.text
        if not text:
            return
        token = _arn_token(text) if text.lower().startswith("arn:") else f"{kind}:{text.lower()}"
        self.mention(token)
        if target and token is not None and token in self.mentions:
            self.targets.add(token)

    def arns(self, *values: Value | None) -> None:
        for value in values:
            if value is not None and value.text:
                self.mention(_arn_token(value.text))

    def trust(self, document: PolicyDocument | None) -> None:
        """The principals a trust policy names: roles and users, and account roots."""
        if document is None:
            return
        for statement in document.statements:
            for principal in (*statement.principals, *statement.not_principals):
                text = principal.value
                if principal.kind != "aws" or not isinstance(text, str):
                    continue
                arn = _parse_arn(text)
                if arn is None:
                    continue
                if arn.resource_type == "root":
                    # An account root (or a bare account id): every principal of the account.
                    if arn.account and ACCOUNT_ID.fullmatch(arn.account):
                        self.trusted_accounts.add(arn.account)
                else:
                    self.mention(_arn_token(text))

    def policies(self, *documents: PolicyDocument | None) -> None:
        """The resources that grants (and denials) of assuming a role name."""
        for document in documents:
            if document is None:
                continue
            for statement in document.statements:
                if not _may_assume(statement):
                    continue
                if statement.has_not_resource:
                    self.mention("*:*")
                for resource in statement.resources:
                    if resource.text is not None:
                        self.mention(_arn_token(resource.text))


def _scoped(name: str) -> bool:
    """A name the graph cannot match across units: generated, or partly unresolved."""
    return "<" in name or "${" in name


def _may_assume(statement: Statement) -> bool:
    """Whether the graph may read the statement as granting or denying to assume a role.

    The graph's own question (`graph.edges`, TL014): one of `policy.ASSUME_ACTIONS`
    not certainly outside its actions (unknown actions may include them). What it
    asks of grants and denials (`sts:AssumeRole`) is one of those.
    """
    return any(statement_allows_action(statement, action) is not False for action in ASSUME_ACTIONS)


def _arn_token(text: str) -> str | None:
    """`kind:name` for an IAM ARN (`role:deploy`); `*:*` for `*`; None for other services.

    The ARN is split as the graph splits it (`arns.parse_arn`, the name of an
    `assumed-role` being its role's), lower-cased first: the graph compares IAM
    names without case, and a token of a mis-cased ARN (`ARN:aws:IAM::...`),
    which the graph may not match, can only make `related` keep more units.
    Text that is not an ARN becomes a name of any kind (`*:name`).
    """
    lower = text.strip().lower()
    if lower == "*":
        return "*:*"
    if not lower.startswith("arn:"):
        return f"*:{lower}" if lower else None
    arn = parse_arn(lower)
    if arn is None or arn.service is None or arn.resource_type is None:
        return None
    if arn.service not in ("iam", "sts") and not has_wildcard(arn.service):
        return None
    if has_wildcard(arn.resource_type):
        return "*:*"
    name = principal_name(arn)
    if not name:
        return None
    kind = "role" if arn.resource_type == "assumed-role" else arn.resource_type
    return f"{kind}:{name}"


def _parse_arn(text: str) -> Arn | None:
    """`arns.parse_arn` of the lower-cased text (see `_arn_token`)."""
    return parse_arn(text.strip().lower())
