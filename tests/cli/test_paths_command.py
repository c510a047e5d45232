"""`trustlint paths --to/--from` as a user runs it, in each format (SPEC section 11)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from cli_support import run_trustlint
from conftest import FIXTURES

CASES = FIXTURES / "graph" / "paths"


def case(tmp_path: Path, name: str) -> Path:
    """A copy of a fixture case: a project of its own (no git, its config at the root)."""
    root = tmp_path / name
    shutil.copytree(CASES / name, root)
    return root


def paths(root: Path, *args: str) -> tuple[int, str, str]:
    completed = run_trustlint("paths", *args, "--no-cache", cwd=root)
    return completed.returncode, completed.stdout, completed.stderr


TWO_HOPS_TO_ADMIN = """\
Paths to Role ProdAdminRole (prod-admin), of at most 5 hops:

1. Role VendorAuditRole (vendor-audit) -> Role ProdAdminRole (prod-admin)  (1 hop)
   Role VendorAuditRole (vendor-audit) assumes Role ProdAdminRole (prod-admin)
      trust: prod/admin.yaml:12:20 (statement 1)
      grant: tools/vendor_role.yaml:24:27 (statement 1 of Role VendorAuditRole)

2. Account 464622532012 (root, Datadog) -> Role VendorAuditRole (vendor-audit) -> \
Role ProdAdminRole (prod-admin)  (2 hops)
   Account 464622532012 (root, Datadog) assumes Role VendorAuditRole (vendor-audit)
      conditions: ExternalId
      trust: tools/vendor_role.yaml:12:20 (statement 1)
      grant: needed by the caller, a principal of that account
   Role VendorAuditRole (vendor-audit) assumes Role ProdAdminRole (prod-admin)
      trust: prod/admin.yaml:12:20 (statement 1)
      grant: tools/vendor_role.yaml:24:27 (statement 1 of Role VendorAuditRole)

2 paths.
"""


def test_paths_to_a_role_as_text(tmp_path: Path) -> None:
    root = case(tmp_path, "vendor_chain_two_hops")

    code, out, err = paths(root, "--to", "prod-admin")

    assert (code, err) == (0, "")
    assert out == TWO_HOPS_TO_ADMIN


def test_paths_to_a_role_named_by_arn_or_address_are_the_same(tmp_path: Path) -> None:
    root = case(tmp_path, "vendor_chain_two_hops")

    by_arn = paths(root, "--to", "arn:aws:iam::222222222222:role/prod-admin")
    by_address = paths(root, "--to", "ProdAdminRole")

    assert by_arn == by_address == (0, TWO_HOPS_TO_ADMIN, "")


def test_paths_to_a_role_as_json(tmp_path: Path) -> None:
    root = case(tmp_path, "vendor_chain_three_hops")

    code, out, _ = paths(root, "--to", "prod-admin", "--format", "json")

    assert code == 0
    report = json.loads(out)
    assert report["query"] == {"to": "prod-admin", "from": None, "max_hops": 5}
    assert report["matched"] == ["role:222222222222:prod-admin"]
    assert report["truncated"] is False
    assert [(p["from"], p["to"], len(p["hops"])) for p in report["paths"]] == [
        ("role:111111111111:ops", "role:222222222222:prod-admin", 1),
        ("role:111111111111:vendor-audit", "role:222222222222:prod-admin", 2),
        ("account:464622532012", "role:222222222222:prod-admin", 3),
    ]
    enter, middle, last = report["paths"][2]["hops"]
    assert enter == {
        "from": "account:464622532012",
        "to": "role:111111111111:vendor-audit",
        "decided": True,
        "undecided_reason": None,
        "conditions": ["ExternalId"],
        "trust": {
            "location": "tools/vendor_role.yaml:12:20",
            "statement": "statement 1",
            "conditions": ["ExternalId"],
        },
        "grant": None,
        "grant_note": "needed by the caller, a principal of that account",
    }
    assert middle["grant"] == {
        "location": "tools/vendor_role.yaml:24:27",
        "statement": "statement 1 of Role VendorAuditRole",
        "conditions": [],
    }
    assert last["trust"]["location"] == "prod/admin.yaml:12:20"
    assert last["grant"]["location"] == "tools/ops_role.yaml:21:27"
    assert [node["label"] for node in report["nodes"] if node["kind"] == "account"] == [
        "Account 464622532012 (root, Datadog)"  # a known vendor's name
    ]
    assert {node["id"]: node["kind"] for node in report["nodes"]} == {
        "role:111111111111:ops": "role",
        "role:111111111111:vendor-audit": "role",
        "role:222222222222:prod-admin": "role",
        "account:464622532012": "account",
    }


def test_paths_to_a_role_as_mermaid(tmp_path: Path) -> None:
    root = case(tmp_path, "vendor_chain_two_hops")

    code, out, _ = paths(root, "--to", "prod-admin", "--format", "mermaid")

    assert code == 0
    assert out == (
        "flowchart LR\n"
        '  subgraph account0["Account 111111111111"]\n'
        '    n0["Role VendorAuditRole (vendor-audit)"]\n'
        "  end\n"
        '  subgraph account1["Account 222222222222"]\n'
        '    n1["Role ProdAdminRole (prod-admin)"]\n'
        "  end\n"
        '  subgraph account2["Account 464622532012"]\n'
        '    n2[["Account 464622532012 (root, Datadog)"]]\n'
        "  end\n"
        '  n0 -->|"granted"| n1\n'
        '  n2 -->|"ExternalId"| n0\n'
        "  classDef queried stroke-width:3px\n"
        "  class n1 queried\n"
        "  classDef external stroke-dasharray: 4 3\n"
        "  class n2 external\n"
    )


def test_paths_from_an_account_as_text(tmp_path: Path) -> None:
    root = case(tmp_path, "vendor_chain_three_hops")

    code, out, _ = paths(root, "--from", "464622532012")

    assert code == 0
    heads = [line for line in out.splitlines() if re.match(r"\d+\. ", line)]
    assert heads == [
        "1. Account 464622532012 (root, Datadog) -> Role VendorAuditRole (vendor-audit)  (1 hop)",
        "2. Account 464622532012 (root, Datadog) -> Role VendorAuditRole (vendor-audit) -> "
        "Role OpsRole (ops)  (2 hops)",
        "3. Account 464622532012 (root, Datadog) -> Role VendorAuditRole (vendor-audit) -> "
        "Role OpsRole (ops) -> Role ProdAdminRole (prod-admin)  (3 hops)",
    ]
    assert out.startswith(
        "Paths from account 464622532012 (its root and its principals), of at most 5 hops:\n"
    )
    assert out.endswith("\n3 paths.\n")


def test_paths_from_a_role_as_json_and_mermaid(tmp_path: Path) -> None:
    root = case(tmp_path, "vendor_chain_three_hops")
    arn = "arn:aws:iam::111111111111:role/vendor-audit"

    code, out, _ = paths(root, "--from", arn, "--format", "json")
    mermaid_code, mermaid, _ = paths(root, "--from", arn, "--format", "mermaid")

    assert (code, mermaid_code) == (0, 0)
    report = json.loads(out)
    assert report["query"] == {"to": None, "from": arn, "max_hops": 5}
    assert [[hop["to"] for hop in p["hops"]] for p in report["paths"]] == [
        ["role:111111111111:ops"],
        ["role:111111111111:ops", "role:222222222222:prod-admin"],
    ]
    assert mermaid.splitlines()[1:12] == [
        '  subgraph account0["Account 111111111111"]',
        '    n0["Role OpsRole (ops)"]',
        '    n1["Role VendorAuditRole (vendor-audit)"]',
        "  end",
        '  subgraph account1["Account 222222222222"]',
        '    n2["Role ProdAdminRole (prod-admin)"]',
        "  end",
        '  n0 -->|"granted"| n2',
        '  n1 -->|"granted"| n0',
        "  classDef queried stroke-width:3px",
        "  class n1 queried",
    ]


def test_max_hops_limits_the_paths(tmp_path: Path) -> None:
    root = case(tmp_path, "vendor_chain_three_hops")

    code, out, _ = paths(root, "--to", "prod-admin", "--max-hops", "1", "--format", "json")

    assert code == 0
    assert [len(p["hops"]) for p in json.loads(out)["paths"]] == [1]


def test_an_undecided_hop_is_shown_with_its_reason(tmp_path: Path) -> None:
    root = case(tmp_path, "chain_with_an_unresolved_grant")

    code, out, _ = paths(root, "--to", "prod-admin")

    assert code == 0
    assert (
        "1. Role VendorAuditRole (vendor-audit) -> Role ProdAdminRole (prod-admin)  "
        "(1 hop, undecided)\n" in out
    )
    assert "      undecided: statement 1 of Role VendorAuditRole may allow it\n" in out
    assert out.endswith("\n2 paths (2 undecided).\n")
    mermaid = paths(root, "--to", "prod-admin", "--format", "mermaid")[1]
    assert '  n0 -.->|"undecided; granted"| n1\n' in mermaid


def test_a_chain_broken_by_an_scp_is_no_path(tmp_path: Path) -> None:
    root = case(tmp_path, "chain_broken_by_scp")

    code, out, _ = paths(root, "--to", "prod-admin")

    assert code == 0
    assert out == (
        "Paths to Role ProdAdminRole (prod-admin), of at most 5 hops:\n"
        "\n"
        "No principal in the scanned files reaches it.\n"
    )


def test_the_report_can_be_written_to_a_file(tmp_path: Path) -> None:
    root = case(tmp_path, "vendor_chain_two_hops")

    code, out, _ = paths(root, "--to", "prod-admin", "-o", "paths.txt")

    assert (code, out) == (0, "")
    assert (root / "paths.txt").read_text(encoding="utf-8") == TWO_HOPS_TO_ADMIN


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--to", "prod-admn"),
            "trustlint: error: no role 'prod-admn' in the scanned files; "
            "close matches: prod-admin, ProdAdminRole\n",
        ),
        (
            ("--from", "arn:aws:iam::111111111111:role/vendor-aud"),
            "trustlint: error: no principal 'arn:aws:iam::111111111111:role/vendor-aud' in the "
            "scanned files; close matches: arn:aws:iam::111111111111:role/vendor-audit\n",
        ),
        (
            ("--to", "prod-admin", "--max-hops", "0"),
            "trustlint: error: --max-hops must be at least 1\n",
        ),
    ],
)
def test_what_names_nothing_is_a_usage_error(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    root = case(tmp_path, "vendor_chain_two_hops")

    code, out, err = paths(root, *args)

    assert (code, out, err) == (2, "", message)


def test_to_or_from_is_required(tmp_path: Path) -> None:
    root = case(tmp_path, "vendor_chain_two_hops")

    code, _, err = paths(root)

    assert code == 2
    assert "one of the arguments --to --from is required" in err


def test_paths_from_an_identity_provider_as_text(tmp_path: Path) -> None:
    root = case(tmp_path, "web_identity_chain")

    code, out, _ = paths(root, "--from", "token.actions.githubusercontent.com")

    assert code == 0
    assert (
        "2. Federated arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
        " -> Role GithubDeployRole (github-deploy) -> Role ProdAdminRole (prod-admin)  (2 hops)\n"
        in out
    )
    assert (
        "      conditions: aud: sts.amazonaws.com; sub: repo:acme/infra:ref:refs/heads/main\n"
        in out
    )
    assert out.endswith("\n2 paths.\n")


NOT_UTF8_NAME = os.fsdecode(b"adm\xe9n.yaml")
"""A Latin-1 file name: `surrogateescape`d text, its bytes on disk."""


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_escaped_in_json_as_graph_escapes_it(
    tmp_path: Path,
) -> None:
    root = case(tmp_path, "vendor_chain_two_hops")
    (root / "prod" / "admin.yaml").rename(root / "prod" / NOT_UTF8_NAME)
    shown = "prod/adm\\xe9n.yaml"  # the byte that is not UTF-8, as `report/escaping.py` writes it

    code, out, _ = paths(root, "--to", "prod-admin", "--format", "json")
    graph = run_trustlint("graph", "--format", "json", "--no-cache", cwd=root)

    assert code == 0
    assert "\\udc" not in out  # a lone surrogate, which strict JSON parsers reject
    report = json.loads(out)
    admin = next(node for node in report["nodes"] if node["label"].startswith("Role ProdAdmin"))
    assert admin["location"] == f"{shown}:3:3"
    assert report["paths"][0]["hops"][0]["trust"]["location"] == f"{shown}:12:20"
    graph_locations = {node["location"] for node in json.loads(graph.stdout)["nodes"]}
    assert f"{shown}:3:3" in graph_locations
