"""The vendor table trustlint reads is the one the bundled list of known AWS accounts gives.

`trustlint.accounts` reads `data/known_aws_accounts.tsv` instead of parsing
the YAML list on every scan. After updating `data/known_aws_accounts.yaml`,
write the table again: `python -m tests.rules.test_known_vendor_table` at the
repository root.
"""

from __future__ import annotations

from trustlint.accounts import (
    VENDOR_LIST,
    VENDOR_TABLE,
    _data_file,
    known_vendor_accounts,
    vendor_table,
)


def table_of_the_list() -> dict[str, str]:
    return vendor_table(_data_file(VENDOR_LIST).read_text("utf-8"))


def test_the_bundled_table_is_the_table_of_the_bundled_list() -> None:
    assert known_vendor_accounts() == table_of_the_list(), (
        "known_aws_accounts.tsv is out of date: run python -m tests.rules.test_known_vendor_table"
    )


def test_a_vendor_named_once_in_the_list_is_in_the_table() -> None:
    assert table_of_the_list()["464622532012"] == "Datadog"


def test_account_ids_are_padded_to_twelve_digits_and_the_first_name_wins() -> None:
    text = (
        "- name: ' First '\n  accounts: ['000000000042', 42]\n"
        "- name: Second\n  accounts: ['000000000042', '111111111111']\n"
        "- just a string\n"
    )
    assert vendor_table(text) == {"000000000042": "First", "111111111111": "Second"}


if __name__ == "__main__":
    lines = [f"{account}\t{name}\n" for account, name in table_of_the_list().items()]
    _data_file(VENDOR_TABLE).write_text("".join(lines), encoding="utf-8")
