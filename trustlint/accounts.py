"""Who owns an account id: the role's own account, an internal one, a known vendor, or another.

TL002 and TL003 ask this. The built-in vendor list comes from
`data/known_aws_accounts.yaml` (read through its table,
`data/known_aws_accounts.tsv`) and is read only when a rule needs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

from trustlint.arns import ACCOUNT_ID
from trustlint.model import THIS_ACCOUNT
from trustlint.records import record


class AccountKind(Enum):
    OWN = "own"
    INTERNAL = "internal"
    VENDOR = "vendor"
    """A third party: in the built-in vendor list or `accounts.third_party`."""
    EXTERNAL = "external"
    """Any other account: not own, not internal, not a known vendor."""
    UNKNOWN = "unknown"


@record
class AccountInfo:
    kind: AccountKind
    name: str | None = None
    """The vendor's or internal account's name, when known."""


VENDOR_LIST = "known_aws_accounts.yaml"
"""The vendored list of known AWS accounts (see `data/NOTICE.md`)."""
VENDOR_TABLE = "known_aws_accounts.tsv"
"""`vendor_table` of the list, a line `ID<tab>NAME` an account: parsing the YAML
took a one-file scan 20 ms (and the JSON module 1 ms to import)."""


@lru_cache(maxsize=1)
def known_vendor_accounts() -> dict[str, str]:
    """Account id -> vendor name from the bundled list (read from its table)."""
    lines = _data_file(VENDOR_TABLE).read_text("utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if line)


def vendor_table(text: str) -> dict[str, str]:
    """Account id -> vendor name from the text of the list (`VENDOR_LIST`).

    `VENDOR_TABLE` is this of the bundled list; a test checks that.
    """
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries = yaml.load(text, Loader=loader) or []
    vendors: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("name", "")).strip()
        for account in entry.get("accounts") or []:
            vendors.setdefault(str(account).zfill(12), name)
    return vendors


def _data_file(name: str) -> Path:
    return Path(__file__).resolve().parent / "data" / name


@record
class AccountDirectory:
    """The accounts the configuration knows, plus the built-in vendors."""

    internal: dict[str, str]
    third_party: dict[str, str]
    organization_ids: frozenset[str]

    def classify(self, account: str, own_account: str | None) -> AccountInfo:
        """Classify `account` (a 12-digit id or `THIS_ACCOUNT`) relative to a role.

        `own_account` is the role's account: a literal id when the files or
        the config say so, `THIS_ACCOUNT` when it is only "this unit's
        account", None when unknown.
        """
        if account != THIS_ACCOUNT and not ACCOUNT_ID.match(account):
            # A wildcard or a malformed id (TL013's) names no account in particular.
            return AccountInfo(AccountKind.UNKNOWN)
        if account == THIS_ACCOUNT:
            # A policy's "this account" is the account of the unit it is written
            # in, which is the role's own unit.
            return AccountInfo(AccountKind.OWN)
        if own_account is not None and account == own_account:
            return AccountInfo(AccountKind.OWN)
        if account in self.internal:
            return AccountInfo(AccountKind.INTERNAL, self.internal[account] or None)
        if account in self.third_party:
            return AccountInfo(AccountKind.VENDOR, self.third_party[account] or None)
        vendor = known_vendor_accounts().get(account)
        if vendor is not None:
            return AccountInfo(AccountKind.VENDOR, vendor)
        return AccountInfo(AccountKind.EXTERNAL)

    def in_organization(self, organization_ids: Iterable[str]) -> bool:
        """Whether callers fenced to `organization_ids` all belong to a configured organization."""
        fenced = set(organization_ids)
        return bool(fenced) and fenced <= self.organization_ids


def describe_account(account: str, info: AccountInfo) -> str:
    """How a message names an account: `its own account`, `account 464622532012 (Datadog)`."""
    if info.kind is AccountKind.OWN:
        return "its own account"
    if info.name:
        return f"account {account} ({info.name})"
    return f"account {account}"
