"""Findings: what a check reports and every reporter renders."""

from __future__ import annotations

import hashlib
from typing import Literal

from trustlint.addresses import stable_resource
from trustlint.model import Location, Suppression
from trustlint.records import field, record

Level = Literal["error", "warning", "note"]
LEVELS: tuple[Level, ...] = ("note", "warning", "error")
LEVEL_RANK: dict[str, int] = {"note": 1, "warning": 2, "error": 3}


@record
class RelatedLocation:
    location: Location
    message: str


@record
class Finding:
    rule_id: str
    level: Level
    message: str
    location: Location
    """The principal, condition or property that causes the finding."""
    resource: str = ""
    """Who it is about, for humans and the logical fingerprint: `Role DeployRole`."""
    resource_location: Location | None = None
    """The whole resource; a suppression anywhere inside it applies."""
    statement: str = ""
    """The statement label (`Sid` or `statement N`), when the finding is about one."""
    subject: str = ""
    """The principal, condition key or property the finding names."""
    related: tuple[RelatedLocation, ...] = ()
    flow: tuple[RelatedLocation, ...] = ()
    """A path, in order (TL014's chain of trusts and grants): SARIF `codeFlows`."""
    suppression: Suppression | None = field(default=None, compare=False)

    @property
    def fingerprint(self) -> str:
        """A logical fingerprint that survives code moving inside a file.

        Built from what the finding is about, not where it is: the file, the
        rule, the resource, the statement and the principal or key. The
        resource is named as every instance of it is (`stable_resource`), so
        that adding a `for_each` key or a module call keeps the fingerprint.
        """
        declared_here = (
            self.resource_location is not None and self.resource_location.path == self.location.path
        )
        resource = stable_resource(self.resource, declared_here)
        parts = "\x1f".join(
            (self.location.path, self.rule_id, resource, self.statement, self.subject)
        )
        # A file name that is not UTF-8 is surrogateescape'd text: hash its bytes.
        return hashlib.sha256(parts.encode("utf-8", "surrogateescape")).hexdigest()[:32]

    def sort_key(self) -> tuple[str, int, int, str, str]:
        location = self.location
        return (location.path, location.line, location.column, self.rule_id, self.message)
