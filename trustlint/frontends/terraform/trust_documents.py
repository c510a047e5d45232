"""Terraform trust policies that no role of the unit uses (SPEC section 9).

Reusable modules rarely write a trust policy inside the role that uses it: a
`data "aws_iam_policy_document"`, a `jsonencode(...)` in `locals`, an `output`
or an argument of a module outside the scan holds it, and the role is created
elsewhere. Each such value that is a trust policy by its content
(`trustlint.classify`) becomes a `TrustDocument` of the unit, so that the
single-policy trust rules judge it; a document a role of the unit uses is
checked there and is not listed again.

Documents are read in this order, and one met again (the same statements,
reached through a local, an output or a module argument) keeps its first name:
data sources, locals, outputs, module arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from trustlint.classify import is_trust_policy
from trustlint.discover import CANDIDATE_SUFFIXES
from trustlint.frontends.terraform.hcl_json import json_document
from trustlint.frontends.terraform.hcl_values import EvalError, PartialText, Site, Step
from trustlint.model import Location, PolicyDocument, SourceUnit, TrustDocument, Unknown
from trustlint.policy_reader import read_policy
from trustlint.records import replace
from trustlint.tree import Alternatives, LMap

if TYPE_CHECKING:
    from trustlint.frontends.terraform.hcl_syntax import Block
    from trustlint.frontends.terraform.scope import ModuleScope

logger = logging.getLogger(__name__)

_POLICY_DATA_SOURCE = "aws_iam_policy_document"
_MODULE_META_ARGUMENTS = frozenset(
    {"source", "version", "count", "for_each", "providers", "depends_on"}
)


def with_unattached_trust_documents(unit: SourceUnit, modules: Iterable[ModuleScope]) -> SourceUnit:
    """`unit` with the trust documents of `modules` that none of its policies uses."""
    documents = _Finder(unit).find(modules)
    return replace(unit, trust_documents=documents) if documents else unit


class _Finder:
    def __init__(self, unit: SourceUnit) -> None:
        self.seen: set[Location] = set()
        """Statements already checked: of the unit's policies, or of a document found."""
        for document in _unit_policies(unit):
            self.seen.update(statement.location for statement in document.statements)
        self.found: list[TrustDocument] = []

    def find(self, modules: Iterable[ModuleScope]) -> tuple[TrustDocument, ...]:
        for module in modules:
            for name, location, compute, argument in _candidates(module):
                try:
                    self._consider(module, name, location, compute(argument))
                except EvalError:
                    continue
                except Exception:
                    # These values are evaluated only here (no IAM resource reads
                    # them): a failure on one must not cost the unit its roles.
                    logger.debug("cannot evaluate %s at %s", name, location, exc_info=True)
        return tuple(self.found)

    def _consider(self, module: ModuleScope, name: str, location: Location, value: Any) -> None:
        options = module.project.options
        if value is None or (isinstance(value, Unknown) and not isinstance(value, PartialText)):
            return
        if isinstance(value, str) and not value.strip():
            return
        tree = json_document(
            value, location, max_depth=options.max_depth, max_nodes=options.max_nodes
        )
        if not _policy_shaped(tree):
            return
        document = read_policy(tree, location, "trust")
        statements = {statement.location for statement in document.statements}
        if not statements or statements <= self.seen or not is_trust_policy(document):
            return
        if all(_checked_on_its_own(statement) for statement in statements):
            return
        self.seen.update(statements)
        self.found.append(TrustDocument(name, location, document))


_Candidate = tuple[str, Location, Callable[[Any], Any], Any]
"""Name, location, and how to evaluate it: `compute(argument)`."""


def _candidates(module: ModuleScope) -> Iterator[_Candidate]:
    """Every value of the module that may hold a policy, in the order names are chosen.

    Nothing is evaluated here: `find` evaluates each candidate, and contains its failures.
    """
    for key, block in module.data.items():
        data_type, _, name = key.partition(".")
        if data_type != _POLICY_DATA_SOURCE:
            continue
        steps = (Step("attr", data_type), Step("attr", name), Step("attr", "json"))
        site = Site(f"data.{key}.json", block.location)
        yield f"data.{key}", block.location, _data_value(module, block, site), steps
    for name, attribute in module.locals.items():
        site = Site(f"local.{name}", attribute.location)
        yield f"local.{name}", attribute.location, _named_value(module.local, site), name
    for name, block in module.outputs.items():
        if "value" in block.attributes:
            site = Site(f"output.{name}", block.location)
            yield f"output.{name}", block.location, _named_value(module.output, site), name
    for name, block in module.calls.items():
        compute = _argument_value(module, block)
        for argument, attribute in block.attributes.items():
            if argument not in _MODULE_META_ARGUMENTS:
                label = f"module.{name} argument {argument}"
                yield label, attribute.location, compute, attribute


def _data_value(module: ModuleScope, block: Block, site: Site) -> Callable[[Any], Any]:
    """A data source's rendered JSON; None when it is not read (`count` or `for_each` empty)."""

    def compute(steps: Any) -> Any:
        if module.count_is_zero(block):
            return None
        return module.reference("data", steps, site)[0]

    return compute


def _named_value(lookup: Callable[[str, Site], Any], site: Site) -> Callable[[Any], Any]:
    return lambda name: lookup(name, site)


def _argument_value(module: ModuleScope, block: Block) -> Callable[[Any], Any]:
    """A module argument's value; None when the module is not called (`count` 0)."""

    def compute(attribute: Any) -> Any:
        if module.count_is_zero(block):
            return None
        return module.evaluate(attribute)

    return compute


def _policy_shaped(tree: Any) -> bool:
    """Whether a value reads as a policy document (or alternatives of them)."""
    if isinstance(tree, Alternatives):
        return any(_policy_shaped(branch.value) for branch in tree.branches)
    if isinstance(tree, LMap):
        return any(isinstance(key, str) and key.lower() == "statement" for key in tree)
    if isinstance(tree, str):
        text = tree.lstrip()
        return text.startswith("{") and '"statement"' in text.lower()
    return False


def _checked_on_its_own(location: Location) -> bool:
    """A statement read from a JSON or YAML file (`file("trust.json")`), which a scan
    of that file checks as a policy of its own."""
    path = location.path
    dot = path.rfind(".")
    return dot > path.rfind("/") and path[dot:].lower() in CANDIDATE_SUFFIXES


def _unit_policies(unit: SourceUnit) -> Iterator[PolicyDocument]:
    """Every policy document the unit's entities use."""
    for role in unit.roles:
        if role.trust_policy is not None:
            yield role.trust_policy
        yield from role.inline_policies
    for user in unit.users:
        yield from user.inline_policies
    for group in unit.groups:
        yield from group.inline_policies
    for managed in unit.managed_policies:
        if managed.document is not None:
            yield managed.document
    for organization_policy in unit.organization_policies:
        if organization_policy.document is not None:
            yield organization_policy.document
    for attachment in unit.attachments:
        if attachment.document is not None:
            yield attachment.document
    for permission_set in unit.permission_sets:
        if permission_set.inline_policy is not None:
            yield permission_set.inline_policy
    yield from unit.documents
