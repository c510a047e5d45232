"""LinkIndex: numbered sources, packed members, and an index mended as sources change.

A mended index, and one read back from its dump, must answer every question
as an index built afresh from the same links does.
"""

from __future__ import annotations

import marshal
from collections.abc import Mapping

import pytest

from trustlint.graph.link_index import LinkIndex, SummaryBytes, related
from trustlint.graph.links import Links

LINKS = {
    "cfn/target.yaml": Links(
        unit="cfn/target.yaml",
        paths=("cfn/target.yaml",),
        defines=frozenset({"role:deploy"}),
        mentions=frozenset({"role:caller"}),
        accounts=frozenset({"111111111111"}),
        stated=True,
    ),
    "cfn/grant.yaml": Links(
        unit="cfn/grant.yaml",
        paths=("cfn/grant.yaml",),
        defines=frozenset({"role:caller", "policy:assume"}),
        mentions=frozenset({"role:deploy"}),
        stated=False,
    ),
    "tf/mod": Links(
        unit="tf/mod",
        paths=("tf/mod/main.tf", "tf/mod/vars.tfvars"),
        defines=frozenset({"group:admins"}),
        mentions=frozenset({"policy:assume"}),
        targets=frozenset({"role:caller"}),
        universal=True,
    ),
    "unrelated.yaml": Links(
        unit="unrelated.yaml",
        paths=("unrelated.yaml",),
        defines=frozenset({"role:other"}),
        stated=True,
    ),
}
FOCUSES = [{"cfn/target.yaml"}, {"cfn/grant.yaml"}, {"tf"}, {"tf/mod/main.tf"}, {"unrelated.yaml"}]


def answers(index: LinkIndex) -> dict[str, object]:
    return {
        "sources": sorted(index.sources),
        "links": {source: index.links(source) for source in index.sources},
        "summaries": {source: Links.load(index.summary(source)) for source in index.sources},
        "related": [sorted(related(index, focus)) for focus in FOCUSES],
        "touching": [sorted(index.touching(focus)) for focus in FOCUSES],
        "sharing": sorted(index.sharing(["role:caller", "policy:assume", "role:none"])),
        "defining": sorted(index.defining(["role:caller", "group:admins", "role:none"])),
        "universal": sorted(index.universal),
        "unstated": sorted(index.unstated),
        "accounts": sorted(index.maybe_in_accounts({"111111111111"}, None)),
    }


def read_back(index: LinkIndex) -> LinkIndex:
    data, summaries = index.dump()
    return LinkIndex.restore(marshal.loads(marshal.dumps(data)), SummaryBytes(summaries))


def built(links: Mapping[str, Links]) -> LinkIndex:
    return LinkIndex.build(dict(links))


def test_an_index_read_back_answers_as_the_one_built() -> None:
    index = built(LINKS)
    assert answers(read_back(index)) == answers(index)
    assert related(index, {"cfn/target.yaml"}) == {
        "cfn/target.yaml",
        "cfn/grant.yaml",
        "tf/mod",
    }


@pytest.mark.parametrize("restored", [False, True], ids=["in-memory", "read-back"])
def test_a_mended_index_answers_as_one_built_afresh(restored: bool) -> None:
    index = read_back(built(LINKS)) if restored else built(LINKS)
    renamed = Links(
        unit="cfn/grant.yaml",
        paths=("cfn/grant.yaml",),
        defines=frozenset({"role:caller-two"}),
        mentions=frozenset({"role:other"}),
        stated=True,
    )
    added = Links(unit="new/x.yaml", paths=("new/x.yaml",), mentions=frozenset({"role:deploy"}))
    index.update({"cfn/grant.yaml": renamed, "new/x.yaml": added.dump()}, ["tf/mod"])
    expected = {**LINKS, "cfn/grant.yaml": renamed, "new/x.yaml": added}
    del expected["tf/mod"]
    assert answers(index) == answers(built(expected))
    again = read_back(index)
    assert answers(again) == answers(built(expected))
    again.update({}, ["new/x.yaml", "unrelated.yaml"])
    del expected["new/x.yaml"], expected["unrelated.yaml"]
    assert answers(read_back(again)) == answers(built(expected))


def test_each_source_path_is_stored_once() -> None:
    # The maps hold numbers: a source's id is in the dump once (and its file
    # once more, as a key of the path map), however many names it has.
    many = Links(
        unit="cfn/many-names.yaml",
        paths=("cfn/many-names.yaml",),
        defines=frozenset(f"role:r{number}" for number in range(50)),
    )
    data, summaries = built({"cfn/many-names.yaml": many}).dump()
    assert marshal.dumps(data).count(b"cfn/many-names.yaml") == 2
    assert summaries == many.dump()


def corrupt_member(data: tuple[object, ...]) -> tuple[object, ...]:
    names, lengths, checksums, sharers, *rest = data
    keys, key_offsets, values, value_offsets = sharers  # type: ignore[misc]
    forged = (keys, key_offsets, b"\xff" * len(values), value_offsets)
    return (names, lengths, checksums, forged, *rest)


def test_a_number_no_source_holds_is_refused_when_asked() -> None:
    data, summaries = built(LINKS).dump()
    index = LinkIndex.restore(corrupt_member(data), SummaryBytes(summaries))
    with pytest.raises(ValueError, match="source number"):
        index.sharing(["role:caller"])


@pytest.mark.parametrize("damage", ["flipped", "cut"])
def test_a_damaged_summary_is_refused_when_read(damage: str) -> None:
    data, summaries = built(LINKS).dump()
    if damage == "flipped":
        summaries = summaries[:10] + bytes([summaries[10] ^ 1]) + summaries[11:]
    else:
        summaries = summaries[:-1]
    index = LinkIndex.restore(data, SummaryBytes(summaries))
    first = "cfn/target.yaml" if damage == "flipped" else "unrelated.yaml"
    with pytest.raises(ValueError):
        index.links(first)
    with pytest.raises(ValueError):
        index.dump()


@pytest.mark.parametrize(
    "forge",
    [
        lambda data: data[:-1],
        lambda data: (data[0] + "extra\0", *data[1:]),
        lambda data: (data[0], data[1][:-1], *data[2:]),
        lambda data: (data[0], data[1], data[2][:-4], *data[3:]),
        lambda data: (*data[:-1], b"\xff\xff\xff\xff"),
        lambda data: ("a\0a\0", b"\0" * 8, b"\0" * 8, *data[3:]),
    ],
    ids=["short", "more-names", "cut-lengths", "cut-checksums", "bad-unstated", "twice"],
)
def test_a_dump_of_another_shape_is_refused(forge: object) -> None:
    data, summaries = built(LINKS).dump()
    with pytest.raises((TypeError, ValueError)):
        LinkIndex.restore(forge(data), SummaryBytes(summaries))  # type: ignore[operator]
