"""Account keys and unit-scoped names: how the graph tells accounts and resources apart.

An *account key* is a literal 12-digit id, `aws` (AWS managed policies), or a
placeholder standing for "the account of unit N" when neither the source nor
`accounts.paths` says which account a unit deploys into. Two units without a
configured account get two placeholders: they are never assumed to be the
same account, nor different ones (`same_account` answers None).

A *name key* identifies an IAM name inside an account: the lower-cased name
(IAM names are case-insensitive), or for a name generated at deploy time the
placeholder qualified by its unit, because `generated_name("Role")` in one
template and in another are two different roles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trustlint.arns import ACCOUNT_ID, parse_arn, principal_name
from trustlint.model import THIS_ACCOUNT, Arn, SourceUnit, Text, Unknown, is_generated_name
from trustlint.project import Project
from trustlint.records import record

if TYPE_CHECKING:
    from trustlint.graph.organization import Organization

_UNIT_ACCOUNT = "<account-of-unit-"
_GENERATED_SCOPE = "@unit-"


def is_literal_account(key: str) -> bool:
    return bool(ACCOUNT_ID.match(key)) or key == "aws"


def is_placeholder(text: str) -> bool:
    """An account key or name key that stands for a value the files do not state."""
    return text.startswith("<")


def same_account(first: str | None, second: str | None) -> bool | None:
    """Whether two account keys are the same account; None when the files cannot tell."""
    if first is None or second is None:
        return None
    if first == second:
        return True
    if is_literal_account(first) and is_literal_account(second):
        return False
    return None


def and3(*values: bool | None) -> bool | None:
    """Three-valued AND: False wins, then None (cannot decide), else True."""
    if any(value is False for value in values):
        return False
    if any(value is None for value in values):
        return None
    return True


def or3(values: list[bool | None]) -> bool | None:
    """Three-valued OR: True wins, then None, else False (also for no values)."""
    if any(value is True for value in values):
        return True
    if any(value is None for value in values):
        return None
    return False


@record
class ResolvedArn:
    """An ARN whose account is an account key and whose name is a name key."""

    arn: Arn
    account: str | None
    """Account key; None when the ARN has no account or it is unknown."""
    name: str | None
    """Name key of the last segment; None when absent or not a usable name."""
    text: str
    """The ARN as written, with `THIS_ACCOUNT` replaced by the account key."""


class Scope:
    """Maps the per-unit placeholders of a project to account keys and name keys."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._index = {unit.unit: position for position, unit in enumerate(project.units)}
        self._unit_keys: dict[str, str] = {}
        self._described: dict[str, str] = {}
        self._organization: Organization | None = None

    @property
    def organization(self) -> Organization:
        """The management account and members of the organization (built on first use)."""
        if self._organization is None:
            from trustlint.graph.organization import Organization

            self._organization = Organization(self)
        return self._organization

    def unit_account(self, unit: SourceUnit) -> str:
        """The account key of a unit: its literal account, else its own placeholder."""
        key = self._unit_keys.get(unit.unit)
        if key is None:
            account = self.project.unit_account(unit)
            if account is not None and account != THIS_ACCOUNT:
                key = account
            else:
                key = f"{_UNIT_ACCOUNT}{self._index.get(unit.unit, 0)}>"
                self._described[key] = unit.unit
            self._unit_keys[unit.unit] = key
        return key

    def account(self, unit: SourceUnit, text: Text | None) -> str | None:
        """An account as written in `unit` (an id, `THIS_ACCOUNT`, absent) as an account key."""
        if isinstance(text, Unknown):
            return None
        if text is None or text == THIS_ACCOUNT:
            return self.unit_account(unit)
        if THIS_ACCOUNT in text or "<" in text:
            return None
        return text

    def name(self, unit: SourceUnit, text: Text | None) -> str | None:
        """A role, user, group or policy name written in `unit` as a name key."""
        if text is None or isinstance(text, Unknown) or not text:
            return None
        if is_generated_name(text):
            return f"{text[:-1].lower()}{_GENERATED_SCOPE}{self._index.get(unit.unit, 0)}>"
        if "<" in text or "${" in text:
            # Part of the name is chosen at deploy time: it names nothing we can match.
            return None
        return text.lower()

    def resolve_arn(self, unit: SourceUnit, text: str) -> ResolvedArn | None:
        """Parse an ARN or account id written in `unit`; None when it is neither."""
        arn = parse_arn(text)
        if arn is None:
            return None
        account = self.account(unit, arn.account) if arn.account else None
        name = principal_name(arn)
        resolved_text = text
        if account is not None and THIS_ACCOUNT in text:
            resolved_text = text.replace(THIS_ACCOUNT, account)
        return ResolvedArn(arn, account, self.name(unit, name), resolved_text)

    def describe_account(self, key: str | None) -> str:
        """An account key in words, for messages and graph labels."""
        if key is None:
            return "an unknown account"
        unit = self._described.get(key)
        if unit is not None:
            return f"the account of {unit}"
        return f"account {key}"

    def account_id(self, key: str | None) -> str | None:
        """An account key as exported: the id, or `<this-account>@unit` for a placeholder."""
        if key is None:
            return None
        unit = self._described.get(key)
        return f"{THIS_ACCOUNT}@{unit}" if unit is not None else key
