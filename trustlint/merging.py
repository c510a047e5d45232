"""One finding per cause: the same rule at the same place is reported once (SPEC section 9).

A child module called three times, a resource with `for_each`, a module with
`count`, or one read both alone and per call, gives the same finding at the
same line once per instance, each naming its own instance
(`Role module.roles["admin"].aws_iam_role.this ...`). The engine merges them
here, after suppressions (so a suppression that covers some instances leaves
the others reported) and before the baseline: one finding per rule, level,
location and suppression, whose message names the resource once and counts
the instances: `Role module.roles.aws_iam_role.this (in 3 instances: admin,
poweruser, readonly) trusts ...`.

Messages that differ only in the instance they name merge into that one
message. Messages that differ in more (the account each `for_each` partner
trusts) merge too, naming each variant with its instances:
`trusts account 111111111111 (in backup) or 222222222222 (in audit) without ...`.
The fingerprint of a merged finding is the one each instance alone would
have (`Finding.fingerprint` drops instance keys), so adding an instance does
not change it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from trustlint.addresses import NamedAddress, Part, common_name, instance_labels, parse
from trustlint.findings import Finding, RelatedLocation
from trustlint.records import replace

MAX_LABELS = 10
"""Instances named in a message before the rest are counted."""
MAX_VARIANTS = 3
"""Differing parts of merged messages shown before the rest are counted."""
MAX_RELATED = 100
"""Related locations a merged finding keeps (each instance may bring its own; SARIF
allows 1,000 a result, and every one is a line of a GitHub annotation)."""
_HOLE = "\x00"
"""Where the instance's name stood in a message."""
_PARSE_ERROR = "TL000"


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """The findings with those of one rule at one place merged into one."""
    places: dict[tuple[object, ...], list[Finding]] = {}
    for finding in findings:
        key = (finding.rule_id, finding.level, finding.location, finding.suppression)
        places.setdefault(key, []).append(finding)
    merged: list[Finding] = []
    for group in places.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        unique = list(dict.fromkeys(group))
        merged.extend(unique if len(unique) == 1 else _merge_place(unique))
    return merged


def _merge_place(findings: list[Finding]) -> list[Finding]:
    names = {f.resource: _named(f.resource) for f in findings}
    resources = list(names)
    labels = dict(zip(resources, instance_labels(list(names.values())), strict=True))
    by_text: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=lambda f: _natural(labels[f.resource])):
        by_text.setdefault(_template(finding), []).append(finding)
    owners = [{f.resource for f in group} for group in by_text.values()]
    distinct = sum(len(resources) for resources in owners) == len(set().union(*owners))
    if len(by_text) > 1 and (findings[0].rule_id == _PARSE_ERROR or not distinct):
        # Different problems, not the same one in different instances.
        return [_merge_same(group, text, names, labels) for text, group in by_text.items()]
    return [_merge_variants(by_text, names, labels)]


def _merge_same(
    group: list[Finding],
    text: str,
    names: dict[str, NamedAddress],
    labels: dict[str, str],
) -> Finding:
    """Findings whose messages differ only in the instance they name."""
    if len(group) == 1:
        return group[0]
    message = _fill(text, group, names, labels)
    return _combined(group, message, names)


def _merge_variants(
    by_text: dict[str, list[Finding]],
    names: dict[str, NamedAddress],
    labels: dict[str, str],
) -> Finding:
    """Findings at one place whose messages differ: each variant named with its instances."""
    everything = [finding for group in by_text.values() for finding in group]
    if len(by_text) == 1:
        text = next(iter(by_text))
        return _merge_same(everything, text, names, labels)
    texts = list(by_text)
    words = [text.split(" ") for text in texts]
    head = _shared_length(words)
    tail = _shared_length([list(reversed(w[head:])) for w in words])
    variants = []
    for text_words, group in zip(words, by_text.values(), strict=True):
        middle = " ".join(text_words[head : len(text_words) - tail])
        named = _listed([labels[r] for r in dict.fromkeys(f.resource for f in group)])
        variants.append(f"{middle} (in {named})" if middle else f"(in {named})")
    shown = variants[:MAX_VARIANTS]
    if len(variants) > MAX_VARIANTS:
        shown.append(f"{len(variants) - MAX_VARIANTS} other variants")
    first = words[0]
    joined = " ".join([*first[:head], " or ".join(shown), *first[len(first) - tail :]])
    return _combined(everything, _fill(joined, everything, names, labels), names)


def _fill(
    text: str, group: Sequence[Finding], names: dict[str, NamedAddress], labels: dict[str, str]
) -> str:
    """`text` with the instances' common name in the hole, followed by which instances."""
    resources = list(dict.fromkeys(f.resource for f in group))
    if len(resources) == 1:
        return text.replace(_HOLE, resources[0])
    display = _display(resources, names)
    # Instances, or calls of one module, of one resource: its type and name (the
    # last two parts of the address) are the same; else they are different resources.
    if len({names[r].without_keys().parts[-2:] for r in resources}) == 1:
        clause = f" (in {len(resources)} instances: {_listed([labels[r] for r in resources])})"
    else:  # different resources sharing the place, such as one document used by two roles
        clause = (
            f" (in {len(resources)} resources: {_listed([names[r].address for r in resources])})"
        )
    if _HOLE not in text:
        return text + clause
    return text.replace(_HOLE, display + clause, 1).replace(_HOLE, display)


def _combined(group: Sequence[Finding], message: str, names: dict[str, NamedAddress]) -> Finding:
    resources = list(dict.fromkeys(f.resource for f in group))
    related: dict[RelatedLocation, None] = {}
    for finding in group:
        related.update(dict.fromkeys(finding.related))
    return replace(
        group[0],
        message=message,
        resource=resources[0] if len(resources) == 1 else _display(resources, names),
        statement=_joined(f.statement for f in group),
        subject=_joined(f.subject for f in group),
        related=tuple(related)[:MAX_RELATED],
    )


def _display(resources: Sequence[str], names: dict[str, NamedAddress]) -> str:
    return str(common_name([names[resource] for resource in resources]))


def _named(resource: str) -> NamedAddress:
    named = parse(resource)
    if named is not None:
        return named
    kind, _, rest = resource.rpartition(" ")
    return NamedAddress(kind, (Part(rest),))


def _template(finding: Finding) -> str:
    """The message with the instance's name taken out."""
    if not finding.resource:
        return finding.message
    return finding.message.replace(finding.resource, _HOLE)


def _listed(labels: Sequence[str]) -> str:
    unique = list(dict.fromkeys(labels))
    shown = ", ".join(unique[:MAX_LABELS])
    rest = len(unique) - MAX_LABELS
    return f"{shown} and {rest} more" if rest > 0 else shown


def _joined(values: Iterable[str]) -> str:
    return ", ".join(sorted({value for value in values if value}))


def _shared_length(sequences: Sequence[Sequence[str]]) -> int:
    """How many leading items every sequence shares (never all of the shortest)."""
    shortest = min(len(sequence) for sequence in sequences)
    count = 0
    while count < shortest and all(s[count] == sequences[0][count] for s in sequences):
        count += 1
    return count


def _natural(text: str) -> list[tuple[int, int | str]]:
    """Sort key that puts `2` before `10`."""
    return [
        (0, int(piece)) if piece.isdigit() else (1, piece)
        for piece in re.split(r"(\d+)", text)
        if piece
    ]
