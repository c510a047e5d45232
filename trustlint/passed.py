"""Values passed into a module: reported where the user wrote them, with where they are used.

A module's policy often holds a value its caller gave (`identifiers =
[var.principal]`). The user changes it at the caller's argument, so a finding
about it is located there; the module's statement that uses it is a related
location. The front-end marks such a location as a `PassedLocation`; the
engine turns it into a plain location and a related one on each finding
(`route`).
"""

from __future__ import annotations

from collections.abc import Iterable

from trustlint.findings import Finding, RelatedLocation
from trustlint.model import Location
from trustlint.records import field, record, replace

_NOWHERE = Location("", 0, 0, 0, 0)


@record(eq=False)
class PassedLocation(Location):
    """Where a value was written (the caller's argument), remembering where it is used."""

    used_at: Location = field(default=_NOWHERE, compare=False)
    """The module's expression or statement that uses the value."""
    used_in: str = field(default="", compare=False)
    """The module instance using it: `module.app`."""
    installed: bool = field(default=False, compare=False)
    """The value is written in an installed module (`used_at`), not by the user."""

    # Equal to, and ordered with, a plain location at the same place: the graph
    # and the engine match findings (plain locations) to the model's.
    def _key(self) -> tuple[str, int, int, int, int]:
        return (self.path, self.line, self.column, self.end_line, self.end_column)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() == _key(other)

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() != _key(other)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() < _key(other)

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() <= _key(other)

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() > _key(other)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() >= _key(other)

    def __hash__(self) -> int:
        return hash(self._key())


def _key(location: Location) -> tuple[str, int, int, int, int]:
    return (location.path, location.line, location.column, location.end_line, location.end_column)


def plain(location: Location) -> Location:
    if type(location) is Location:
        return location
    return Location(
        location.path, location.line, location.column, location.end_line, location.end_column
    )


def route(findings: Iterable[Finding]) -> list[Finding]:
    """`findings` with passed locations made plain, each adding where the value is used."""
    routed = []
    for finding in findings:
        location = finding.location
        related = tuple(
            RelatedLocation(plain(r.location), r.message) if type(r.location) is not Location else r
            for r in finding.related
        )
        if isinstance(location, PassedLocation):
            where = f"in {location.used_in}" if location.used_in else "in the module"
            what = (
                "the installed module writes it here"
                if location.installed
                else "the value is used here"
            )
            # Related, so a partial scan of the module's file reports it too
            # (`results.involved_paths`).
            use = RelatedLocation(plain(location.used_at), f"{what}, {where}")
            related = (use, *related)
        resource_location = finding.resource_location
        if resource_location is not None:
            resource_location = plain(resource_location)
        if related != finding.related or location is not plain(location):
            finding = replace(
                finding,
                location=plain(location),
                related=related,
                resource_location=resource_location,
            )
        elif resource_location is not finding.resource_location:
            finding = replace(finding, resource_location=resource_location)
        routed.append(finding)
    return routed
