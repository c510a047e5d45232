"""Terraform resource addresses in the names findings give: instances and their place.

A finding names who it is about as `Role module.roles["readonly"].aws_iam_role.this[0]`:
a kind, then an address whose parts may carry an instance key (`count`,
`for_each`) and a module path (the calls that hold it). Several instances of
one resource, or one child module called several times, give findings at
the same place that differ only in that address. This module parses such
names, says what is the same resource whatever the instance (the fingerprint
must not change when an instance is added), and names the instances apart in
a few words. A name that is not a Terraform address (`Role DeployRole`,
`trust policy roles/trust.json`) is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from trustlint.patterns import lazy_compile
from trustlint.records import record

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_KEY = r'\[(?:"(?:[^"\\]|\\.)*"|[0-9]+|\*)\]'
_PART = lazy_compile(rf"(?P<name>{_NAME})(?P<key>{_KEY})?")
_ADDRESS = lazy_compile(rf"(?:{_NAME}(?:{_KEY})?)(?:\.{_NAME}(?:{_KEY})?)+")


@record
class Part:
    """One dot-separated part of an address: `roles["ro"]` is name `roles`, key `"ro"`."""

    name: str
    key: str = ""

    def __str__(self) -> str:
        return f"{self.name}[{self.key}]" if self.key else self.name


@record
class NamedAddress:
    """A finding's `resource`: `kind` (`Role`) and the address's parts."""

    kind: str
    parts: tuple[Part, ...]

    @property
    def address(self) -> str:
        return ".".join(str(part) for part in self.parts)

    def __str__(self) -> str:
        return f"{self.kind} {self.address}" if self.kind else self.address

    def without_keys(self) -> NamedAddress:
        return NamedAddress(self.kind, tuple(Part(part.name) for part in self.parts))

    def in_module(self) -> NamedAddress:
        """The address inside the module that declares it: the `module.x` calls dropped."""
        parts = self.parts
        while len(parts) > 2 and parts[0].name == "module" and not parts[0].key:
            parts = parts[2:]
        return NamedAddress(self.kind, parts)


def parse(resource: str) -> NamedAddress | None:
    """`Role module.a.aws_iam_role.this[0]` as kind and parts; None if it holds no address."""
    kind, _, address = resource.rpartition(" ")
    if "." not in address or _ADDRESS.fullmatch(address) is None:
        return None
    parts = tuple(
        Part(match["name"], (match["key"] or "")[1:-1]) for match in _PART.finditer(address)
    )
    return NamedAddress(kind, parts)


def stable_resource(resource: str, declared_here: bool) -> str:
    """The resource as the fingerprint knows it: the same for every instance.

    Instance keys are dropped; when the resource is declared in the file the
    finding is in (`declared_here`), so is the module path, which the file
    already says: a child called once or three times gives the same name.
    A finding at a caller's argument keeps the call's name, which tells two
    calls in one file apart.
    """
    address = resource.rpartition(" ")[2]
    if "[" not in address and not address.startswith("module."):
        return resource  # Nothing to drop: the common case, kept cheap.
    named = parse(resource)
    if named is None:
        return resource
    named = named.without_keys()
    return str(named.in_module() if declared_here else named)


def common_name(names: Sequence[NamedAddress]) -> NamedAddress:
    """One name for several instances: what they share, an instance key only if all share it.

    `module.roles["a"].aws_iam_role.this` and `module.roles["b"]...` give
    `module.roles.aws_iam_role.this`; two calls `module.a...this` and
    `module.b...this` give `aws_iam_role.this`; `x.admin` and `x.readonly`
    give `x.*`.
    """
    first = names[0]
    if all(len(n.parts) == len(first.parts) for n in names) and all(
        [p.name for p in n.parts] == [p.name for p in first.parts] for n in names
    ):
        parts = tuple(
            Part(part.name, part.key if all(n.parts[i] == part for n in names) else "")
            for i, part in enumerate(first.parts)
        )
        return NamedAddress(first.kind, parts)
    tail = _common_tail(names)
    if len(tail) >= 2:
        return NamedAddress(first.kind, tail)
    head = _common_head(names)
    return NamedAddress(first.kind, (*head, Part("*")))


def instance_labels(names: Sequence[NamedAddress]) -> list[str]:
    """How each name differs from the others, in a few words: `readonly`, `module.a`."""
    skeleton = [part.name for part in names[0].parts]
    if all([part.name for part in name.parts] == skeleton for name in names):
        differing = [
            index
            for index, part in enumerate(names[0].parts)
            if any(name.parts[index].key != part.key for name in names)
        ]
        if differing and all(name.parts[i].key for name in names for i in differing):
            if len(differing) == 1:
                return [_unquoted(name.parts[differing[0]].key) for name in names]
            return ["".join(f"[{name.parts[i].key}]" for i in differing) for name in names]
    head = len(_common_head(names))
    tail = len(_common_tail(names))
    labels: list[str] = []
    for name in names:
        rest = name.parts[head : len(name.parts) - tail] if tail else name.parts[head:]
        if head and rest and name.parts[head - 1].name == "module" and not rest[0].key:
            rest = (name.parts[head - 1], *rest)
        labels.append(_label(rest) or name.address)
    return labels


def _label(parts: Sequence[Part]) -> str:
    if len(parts) == 1 and parts[0].key:
        return _unquoted(parts[0].key)
    return ".".join(str(part) for part in parts)


def _unquoted(key: str) -> str:
    if len(key) >= 2 and key.startswith('"') and key.endswith('"'):
        return key[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return key


def _common_head(names: Sequence[NamedAddress]) -> tuple[Part, ...]:
    """The leading parts all names share, stopping before any name's last part."""
    shortest = min(len(name.parts) for name in names)
    head: list[Part] = []
    for index in range(shortest - 1):
        part = names[0].parts[index]
        if any(name.parts[index] != part for name in names):
            break
        head.append(part)
    return tuple(head)


def _common_tail(names: Sequence[NamedAddress]) -> tuple[Part, ...]:
    """The trailing parts all names share."""
    shortest = min(len(name.parts) for name in names)
    tail: list[Part] = []
    for index in range(1, shortest + 1):
        part = names[0].parts[-index]
        if any(name.parts[-index] != part for name in names):
            break
        tail.append(part)
    return tuple(reversed(tail))
