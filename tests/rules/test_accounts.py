"""Account classification: own, internal, known vendor, other (`trustlint.accounts`)."""

from __future__ import annotations

import pytest

from trustlint.accounts import (
    AccountDirectory,
    AccountInfo,
    AccountKind,
    describe_account,
    known_vendor_accounts,
)
from trustlint.model import THIS_ACCOUNT

DIRECTORY = AccountDirectory(
    internal={"111111111111": "security", "222222222222": ""},
    third_party={"333333333333": "Acme Backup", "444444444444": ""},
    organization_ids=frozenset({"o-abc123def4"}),
)


def test_this_account_placeholder_is_the_roles_own() -> None:
    assert DIRECTORY.classify(THIS_ACCOUNT, None) == AccountInfo(AccountKind.OWN)
    assert DIRECTORY.classify(THIS_ACCOUNT, "999999999999") == AccountInfo(AccountKind.OWN)


def test_literal_account_equal_to_the_roles_is_own() -> None:
    assert DIRECTORY.classify("999999999999", "999999999999").kind is AccountKind.OWN


def test_literal_account_is_not_own_when_the_roles_account_is_a_placeholder() -> None:
    assert DIRECTORY.classify("999999999999", THIS_ACCOUNT).kind is AccountKind.EXTERNAL


def test_internal_accounts_carry_their_name() -> None:
    assert DIRECTORY.classify("111111111111", None) == AccountInfo(AccountKind.INTERNAL, "security")
    assert DIRECTORY.classify("222222222222", None) == AccountInfo(AccountKind.INTERNAL, None)


def test_configured_third_party_is_a_vendor() -> None:
    assert DIRECTORY.classify("333333333333", None) == AccountInfo(
        AccountKind.VENDOR, "Acme Backup"
    )
    assert DIRECTORY.classify("444444444444", None) == AccountInfo(AccountKind.VENDOR, None)


def test_built_in_vendor_list_names_datadog() -> None:
    assert known_vendor_accounts()["464622532012"] == "Datadog"
    assert DIRECTORY.classify("464622532012", None) == AccountInfo(AccountKind.VENDOR, "Datadog")


def test_internal_declaration_wins_over_the_vendor_list() -> None:
    directory = AccountDirectory({"464622532012": "ours"}, {}, frozenset())
    assert directory.classify("464622532012", None) == AccountInfo(AccountKind.INTERNAL, "ours")


def test_unlisted_account_is_external() -> None:
    assert DIRECTORY.classify("210987654321", None) == AccountInfo(AccountKind.EXTERNAL)


@pytest.mark.parametrize("account", ["*", "12345678901*", "1234", ""])
def test_wildcard_or_malformed_account_is_unknown(account: str) -> None:
    assert DIRECTORY.classify(account, None).kind is AccountKind.UNKNOWN


def test_in_organization_needs_every_fenced_id_configured() -> None:
    assert DIRECTORY.in_organization({"o-abc123def4"})
    assert not DIRECTORY.in_organization({"o-abc123def4", "o-zzz999yyy8"})
    assert not DIRECTORY.in_organization(set())


@pytest.mark.parametrize(
    ("account", "info", "text"),
    [
        (THIS_ACCOUNT, AccountInfo(AccountKind.OWN), "its own account"),
        (
            "464622532012",
            AccountInfo(AccountKind.VENDOR, "Datadog"),
            "account 464622532012 (Datadog)",
        ),
        ("210987654321", AccountInfo(AccountKind.EXTERNAL), "account 210987654321"),
    ],
)
def test_describe_account(account: str, info: AccountInfo, text: str) -> None:
    assert describe_account(account, info) == text
