"""The links of every source, indexed by name: which units a partial scan must load.

`related` (see `trustlint.graph.links.related` for what it keeps and why) asks,
for a handful of names at a time, which units define or share them. Asked of
a list of `Links`, every question reads every unit. A `LinkIndex` answers
from maps built once (name -> sources, path -> sources, account -> sources)
and decodes the links of only the sources it looks at, so choosing the units
of a one-file scan costs what it keeps, not what the repository holds. The
project index (`trustlint.project_index`) keeps one between runs and mends
it where sources changed.

Sources are named by an id (a project-relative path in the project index),
and numbered once: the maps hold each key's sources as packed numbers, not
paths repeated once per name a source holds (a 10,000-file project's maps:
9.6 MB with paths, 5.0 MB with numbers). The sources' `Links.dump()`
summaries (3.8 MB there) are one run of bytes kept apart from the rest
(`dump` gives both): a run reads those of the few sources it asks for
(`SummaryStore`), each checked against a CRC-32 of its own. A number whose
source went away is left unused until the index is built afresh.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping
from itertools import accumulate
from typing import Any, Protocol

from trustlint.graph.links import AccountForPath, Links, _configured_account, _matcher
from trustlint.graph.sorted_table import (
    SortedTable,
    join_strings,
    numbers,
    packed,
    split_strings,
)

_MAPS = ("sharers", "definers", "by_path", "by_account")


class SummaryStore(Protocol):
    """Where a read-back index's summaries are: a run of bytes read in part."""

    def read(self, start: int, end: int) -> bytes:
        """Bytes `start` to `end` of the summaries; raises ValueError when they cannot be read."""


class SummaryBytes:
    """Summaries at hand."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, start: int, end: int) -> bytes:
        if end > len(self.data):
            raise ValueError("link index: summaries cut short")
        return self.data[start:end]


class _Members:
    """Key -> the numbers of the sources under it: a `SortedTable` as read, and
    the keys changed since (written into a new table by `table`)."""

    __slots__ = ("_changed", "_table")

    def __init__(self, table: SortedTable | None = None) -> None:
        self._table = table if table is not None else SortedTable.of({})
        self._changed: dict[str, bytes] = {}

    def get(self, key: str) -> array[int]:
        value = self._changed.get(key)
        if value is None:
            value = self._table.get(key, b"")
        return numbers(value)

    def __contains__(self, key: str) -> bool:
        value = self._changed.get(key)
        return bool(value) if value is not None else key in self._table

    def __iter__(self) -> Iterator[str]:
        """The keys with a source, in no set order."""
        changed = self._changed
        yield from (key for key in self._table if key not in changed)
        yield from (key for key, value in changed.items() if value)

    def with_prefix(self, prefix: str) -> Iterator[array[int]]:
        """The members of every key that starts with `prefix`."""
        changed = self._changed
        for key, value in self._table.with_prefix(prefix):
            if key not in changed:
                yield numbers(value)
        for key, value in changed.items():
            if key.startswith(prefix):
                yield numbers(value)

    def change(self, key: str, added: Iterable[int], removed: Collection[int]) -> None:
        kept = [number for number in self.get(key) if number not in removed]
        self._changed[key] = packed([*kept, *added])

    def table(self) -> SortedTable:
        table = self._table = self._table.merged(self._changed)
        self._changed = {}
        return table


class LinkIndex:
    """Every source's links, with the maps `related` looks names up in."""

    def __init__(self) -> None:
        self._names: list[str] = []
        """Number -> source id ("": no longer used)."""
        self._numbers: dict[str, int] = {}
        """Source id -> number, for the sources the index holds."""
        self._summaries: SummaryStore = SummaryBytes(b"")
        self._lengths: array[int] = array("I")
        """The length of each number's summary as read."""
        self._checksums: array[int] = array("I")
        """The CRC-32 of each number's summary as read."""
        self._starts: array[int] | None = None
        self._given: dict[int, Links | bytes] = {}
        """Links given since the index was read, by number: they stand over `_summaries`."""
        self._decoded: dict[int, Links] = {}
        self.sharers = _Members()
        """Name -> the sources that define, mention or target it."""
        self.definers = _Members()
        """Name -> the sources that define it."""
        self.by_path = _Members()
        """Project-relative path -> the sources whose units hold it."""
        self.by_account = _Members()
        """Account id -> the sources in (or naming an entity in) that account."""
        self._universal: set[int] = set()
        """Sources bearing on every principal (organization policies, unknown targets)."""
        self._unstated: set[int] = set()
        """Sources whose unit states no account."""

    @classmethod
    def build(cls, links: Mapping[str, Links | bytes]) -> LinkIndex:
        index = cls()
        index.update(links, ())
        return index

    def links(self, source: str) -> Links:
        return self._links_of(self._numbers[source])

    def _links_of(self, number: int) -> Links:
        given = self._given.get(number)
        if isinstance(given, Links):
            return given
        decoded = self._decoded.get(number)
        if decoded is None:
            summary = given if given is not None else self._stored_summary(number)
            decoded = self._decoded[number] = Links.load(summary)
        return decoded

    def _stored_summary(self, number: int) -> bytes:
        """The summary as read; raises ValueError when it is not the one written."""
        return self._stored_range(number, number + 1)

    def summary(self, source: str) -> bytes:
        """`Links.dump()` of the source's links, as it was given (bytes compare equal only so)."""
        number = self._numbers[source]
        given = self._given.get(number)
        if given is None:
            return self._stored_summary(number)
        return given if isinstance(given, bytes) else given.dump()

    @property
    def sources(self) -> Collection[str]:
        return self._numbers.keys()

    @property
    def universal(self) -> set[str]:
        return self._sources_of(self._universal)

    @property
    def unstated(self) -> set[str]:
        return self._sources_of(self._unstated)

    def _sources_of(self, found: Iterable[int]) -> set[str]:
        """The ids of numbered sources; raises ValueError for a number not in use
        (the maps do not agree with the sources: the index is not to be used)."""
        names = self._names
        try:
            sources = {names[number] for number in found}
        except IndexError:
            raise ValueError("link index: a source number out of range") from None
        if "" in sources:
            raise ValueError("link index: a source that went away")
        return sources

    # -- mending

    def update(self, added: Mapping[str, Links | bytes], removed: Iterable[str]) -> None:
        """Drop the `removed` sources, then add (or replace) the `added` ones."""
        gone: dict[tuple[str, str], set[int]] = {}
        """(map, key) -> numbers to take out of it."""
        joining: dict[tuple[str, str], list[int]] = {}
        """(map, key) -> numbers to put in."""
        for source in {*removed, *(s for s in added if s in self._numbers)}:
            number = self._numbers[source]
            for target, keys in self._keys(self._links_of(number)):
                for key in keys:
                    gone.setdefault((target, key), set()).add(number)
            self._universal.discard(number)
            self._unstated.discard(number)
            self._decoded.pop(number, None)
            if source not in added:
                del self._numbers[source]
                self._names[number] = ""
                self._given[number] = b""
        for source, given in added.items():
            known = self._numbers.get(source)
            if known is None:
                number = self._numbers[source] = len(self._names)
                self._names.append(source)
            else:
                number = known
            self._given[number] = given
            self._decoded.pop(number, None)
            links = self._links_of(number)
            for target, keys in self._keys(links):
                for key in keys:
                    joining.setdefault((target, key), []).append(number)
            if links.universal:
                self._universal.add(number)
            if not links.stated:
                self._unstated.add(number)
        for target, key in {*gone, *joining}:
            members: _Members = getattr(self, target)
            members.change(key, joining.get((target, key), ()), gone.get((target, key), set()))

    @staticmethod
    def _keys(links: Links) -> list[tuple[str, Iterable[str]]]:
        return [
            ("sharers", links.names),
            ("definers", links.defines),
            ("by_path", set(links.paths)),
            ("by_account", links.accounts),
        ]

    # -- questions

    def _members(self, table: _Members, keys: Iterable[str]) -> set[str]:
        return self._sources_of({number for key in keys for number in table.get(key)})

    def touching(self, focus: Collection[str]) -> set[str]:
        """The sources whose units hold a path in (or under) `focus`."""
        by_path = self.by_path
        if "." in focus:
            return self._members(by_path, by_path)
        found: set[int] = set()
        for target in focus:
            found.update(by_path.get(target))
            for members in by_path.with_prefix(target + "/"):
                found.update(members)
        return self._sources_of(found)

    def sharing(self, names: Iterable[str]) -> set[str]:
        return self._members(self.sharers, names)

    def defining(self, names: Iterable[str]) -> set[str]:
        return self._members(self.definers, names)

    def maybe_in_accounts(
        self, accounts: set[str], account_for_path: AccountForPath | None
    ) -> set[str]:
        """Sources that may be in one of `accounts`, if any source certainly is; else none."""
        unstated = self.unstated
        configured: dict[str, str | None] = {}
        if account_for_path is not None:
            configured = {
                source: _configured_account(self.links(source), account_for_path)
                for source in unstated
            }
        present = {account for account in accounts if account in self.by_account}
        present.update(account for account in configured.values() if account in accounts)
        if not present:
            return set()
        result = self._members(self.by_account, present)
        result.update(
            source
            for source in unstated
            if configured.get(source) is None or configured.get(source) in present
        )
        return result

    # -- between runs

    def dump(self) -> tuple[Any, bytes]:
        """Plain data for marshal, and the summaries (see `restore`).

        Raises ValueError when a summary as read is not the one written.
        """
        lengths = array("I", self._lengths)
        lengths.extend([0] * (len(self._names) - len(lengths)))
        checksums = array("I", self._checksums)
        checksums.extend([0] * (len(self._names) - len(checksums)))
        parts: list[bytes] = []
        previous = 0
        for number in sorted(self._given):
            parts.append(self._stored_range(previous, number))
            summary = self._given[number]
            summary = summary if isinstance(summary, bytes) else summary.dump()
            parts.append(summary)
            lengths[number], checksums[number] = len(summary), zlib.crc32(summary)
            previous = number + 1
        parts.append(self._stored_range(previous, len(self._lengths)))
        data = (
            join_strings(self._names),
            lengths.tobytes(),
            checksums.tobytes(),
            *(getattr(self, target).table().dump() for target in _MAPS),
            packed(sorted(self._universal)),
            packed(sorted(self._unstated)),
        )
        return data, b"".join(parts)

    def _stored_range(self, start: int, end: int) -> bytes:
        """The summaries of numbers `start` to `end` as read, each checked."""
        end = min(end, len(self._lengths))
        if start >= end:
            return b""
        if self._starts is None:
            self._starts = array("I", accumulate(self._lengths, initial=0))
        starts, checksums = self._starts, self._checksums
        first = starts[start]
        data = self._summaries.read(first, starts[end])
        for number in range(start, end):
            summary = data[starts[number] - first : starts[number + 1] - first]
            if zlib.crc32(summary) != checksums[number]:
                raise ValueError("link index: a summary is not the one written")
        return data

    @classmethod
    def restore(cls, data: Any, summaries: SummaryStore) -> LinkIndex:
        """The index `dump` gave; raises TypeError or ValueError when `data` is not one.

        `summaries` are read as asked, and each checked then.
        """
        names, lengths, checksums, *maps, universal, unstated = data
        index = cls()
        index._names = split_strings(names)
        index._lengths, index._checksums = numbers(lengths), numbers(checksums)
        if not len(index._lengths) == len(index._checksums) == len(index._names):
            raise ValueError("link index")
        if len(maps) != len(_MAPS):
            raise ValueError("link index")
        index._summaries = summaries
        index._numbers = dict(zip(index._names, range(len(index._names)), strict=True))
        index._numbers.pop("", None)
        if len(index._numbers) != len(index._names) - index._names.count(""):
            raise ValueError("link index: a source numbered twice")
        for target, table in zip(_MAPS, maps, strict=True):
            setattr(index, target, _Members(SortedTable.load(table)))
        index._universal, index._unstated = set(numbers(universal)), set(numbers(unstated))
        if max(index._universal | index._unstated, default=-1) >= len(index._names):
            raise ValueError("link index: a source number out of range")
        return index


def related(
    index: LinkIndex,
    focus: Collection[str],
    account_for_path: AccountForPath | None = None,
) -> set[str]:
    """The sources a scan reporting on `focus` must load: see `trustlint.loading.related`."""
    chosen = index.touching(focus)
    if not chosen:
        return set()
    focused_patterns = {pattern for source in chosen for pattern in index.links(source).patterns}
    if "*:*" in focused_patterns:
        return set(index.sources)
    definers = index.definers
    selected = chosen | index.universal
    wanted: set[str] = set().union(*(index.links(source).names for source in chosen))
    if focused_patterns:
        matcher = _matcher(focused_patterns)
        wanted.update(name for name in definers if matcher.fullmatch(name))
    wanted = {name for name in wanted if name in definers}
    selected |= index.sharing(wanted)
    trusted = set().union(*(index.links(source).trusted_accounts for source in chosen))
    if trusted:
        selected |= index.maybe_in_accounts(trusted, account_for_path)
    followed = {name for name in wanted if not name.startswith("role:")}
    targeted: set[str] = set()
    fresh = set(selected)
    while fresh:
        # Users, groups and policies are followed to every unit naming them;
        # targets of attachments and memberships to the units defining them.
        names = {
            name
            for source in fresh
            for name in index.links(source).followable
            if name in definers and name not in followed
        }
        targets = {
            name
            for source in fresh
            for name in index.links(source).targets
            if name in definers and name not in targeted
        }
        followed |= names
        targeted |= targets
        fresh = (index.sharing(names) | index.defining(targets)) - selected
        selected |= fresh
    return selected


def positional(links: Iterable[Links]) -> dict[str, Links | bytes]:
    """Positional ids (`"0"`, `"1"`, ...) for a list of links, as `LinkIndex.build` takes them."""
    return {str(position): link for position, link in enumerate(links)}
