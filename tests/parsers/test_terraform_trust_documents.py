"""Terraform trust documents no role of the unit uses (`SourceUnit.trust_documents`)."""

from __future__ import annotations

from pytest import MonkeyPatch
from terraform_helpers import load, span, trust

from trustlint.frontends.terraform import ModuleScope
from trustlint.frontends.terraform.hcl_values import Site
from trustlint.model import TrustDocument


def documents() -> dict[str, TrustDocument]:
    unit = load("trust_documents")
    return {document.name: document for document in unit.trust_documents}


def test_trust_documents_no_role_uses_are_listed_once_under_their_first_name() -> None:
    """The data source passed to a registry module, and a local reached by an output
    too; not the document a local module's role uses, nor an identity policy."""
    assert sorted(documents()) == [
        "data.aws_iam_policy_document.to_registry_module",
        "local.service_trust",
    ]


def test_a_trust_document_keeps_its_block_and_its_statements_locations() -> None:
    found = documents()
    data_source = found["data.aws_iam_policy_document.to_registry_module"]
    assert data_source.location.path == "main.tf"
    assert span(data_source.location) == (11, 1, 19, 2)
    assert data_source.document.kind == "trust"
    [statement] = data_source.document.statements
    [principal] = statement.principals
    assert principal.value == "lambda.amazonaws.com"
    assert span(principal.location) == (16, 22, 16, 44)
    local = found["local.service_trust"]
    assert span(local.location) == (33, 3, 40, 5)


def test_the_document_a_local_modules_role_uses_is_the_roles_trust_policy() -> None:
    unit = load("trust_documents")
    document = trust(unit, "module.local_role.aws_iam_role.this")
    [statement] = document.statements
    assert statement.principals[0].value == "ec2.amazonaws.com"
    assert statement.location.line == 2


def test_a_value_that_fails_to_evaluate_costs_only_itself(monkeypatch: MonkeyPatch) -> None:
    """Locals no IAM resource reads are evaluated only for this search: an evaluator
    failure there must not turn the module into a parse error."""
    original = ModuleScope.local

    def failing(self: ModuleScope, name: str, site: Site) -> object:
        if name == "service_trust":
            raise RuntimeError("an evaluator bug")
        return original(self, name, site)

    monkeypatch.setattr(ModuleScope, "local", failing)
    unit = load("trust_documents")
    assert [error for error in unit.errors if error.level != "note"] == []
    assert [document.name for document in unit.trust_documents] == [
        "data.aws_iam_policy_document.to_registry_module"
    ]
    assert [r.resource.address for r in unit.roles] == ["module.local_role.aws_iam_role.this"]
