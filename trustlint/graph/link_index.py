"""The links of every source, indexed by name: which units a partial scan must load.

`related` (see `trustlint.graph.links.related` for what it keeps and why) asks,
for a handful of names at a time, which units define or share them. Asked of
a list of `Links`, every question reads every unit. A `LinkIndex` answers
from maps built once (name -> sources, path -> sources, account -> sources)
and decodes the links of only the sources it looks at, so choosing the units
of a one-file scan costs what it keeps, not what the repository holds. The
project index (`trustlint.project_index`) keeps one between runs and mends
it where sources changed.

Sources are named by an id (a project-relative path in the project index).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from trustlint.graph.links import AccountForPath, Links, _configured_account, _matcher, touches
from trustlint.graph.sorted_table import SortedTable

_Map = Mapping[str, str]
"""Key -> its sources joined by NUL (no path holds one): one string loads far
faster than a tuple of them (a 3,000-file project's maps: 6 ms against 28). A
dict while the index is built or mended; a `SortedTable` as read back."""
_SEPARATOR = "\0"


def members(table: _Map, key: str) -> list[str]:
    """The sources a map holds under `key`."""
    joined = table.get(key)
    return joined.split(_SEPARATOR) if joined else []


class LinkIndex:
    """Every source's links, with the maps `related` looks names up in."""

    def __init__(self) -> None:
        self._links: dict[str, Links | bytes] = {}
        """Source id -> its links, or `Links.dump()` of them until they are needed."""
        self.sharers: _Map = {}
        """Name -> the sources that define, mention or target it."""
        self.definers: _Map = {}
        """Name -> the sources that define it."""
        self.by_path: _Map = {}
        """Project-relative path -> the sources whose units hold it."""
        self.by_account: _Map = {}
        """Account id -> the sources in (or naming an entity in) that account."""
        self.universal: set[str] = set()
        """Sources bearing on every principal (organization policies, unknown targets)."""
        self.unstated: set[str] = set()
        """Sources whose unit states no account."""
        self._decoded: dict[str, Links] = {}

    @classmethod
    def build(cls, links: Mapping[str, Links | bytes]) -> LinkIndex:
        index = cls()
        index.update(links, ())
        return index

    def links(self, source: str) -> Links:
        links = self._links[source]
        if isinstance(links, bytes):
            decoded = self._decoded.get(source)
            if decoded is None:
                decoded = self._decoded[source] = Links.load(links)
            return decoded
        return links

    def summary(self, source: str) -> bytes:
        """`Links.dump()` of the source's links, as it was given (bytes compare equal only so)."""
        links = self._links[source]
        return links if isinstance(links, bytes) else links.dump()

    @property
    def sources(self) -> Collection[str]:
        return self._links.keys()

    # -- mending

    def _thaw(self) -> dict[str, dict[str, str]]:
        """The maps as dicts, to be changed (a `SortedTable` is read-only)."""
        self.sharers, self.definers = dict(self.sharers), dict(self.definers)
        self.by_path, self.by_account = dict(self.by_path), dict(self.by_account)
        return {
            "sharers": self.sharers,
            "definers": self.definers,
            "by_path": self.by_path,
            "by_account": self.by_account,
        }

    def update(self, added: Mapping[str, Links | bytes], removed: Iterable[str]) -> None:
        """Drop the `removed` sources, then add (or replace) the `added` ones."""
        maps = self._thaw()
        gone: dict[str, set[str]] = {}
        """Map name -> sources to take out of it, per map below."""
        for source in {*removed, *(s for s in added if s in self._links)}:
            links = self.links(source)
            for target, keys in self._keys(links):
                for key in keys:
                    gone.setdefault(f"{target}\0{key}", set()).add(source)
            self.universal.discard(source)
            self.unstated.discard(source)
            del self._links[source]
            self._decoded.pop(source, None)
        for compound, sources in gone.items():
            target, _, key = compound.partition("\0")
            table = maps[target]
            kept = [s for s in members(table, key) if s not in sources]
            if kept:
                table[key] = _SEPARATOR.join(kept)
            else:
                table.pop(key, None)
        joined: dict[str, list[str]] = {}
        for source, given in added.items():
            self._links[source] = given
            links = self.links(source)
            for target, keys in self._keys(links):
                for key in keys:
                    joined.setdefault(f"{target}\0{key}", []).append(source)
            if links.universal:
                self.universal.add(source)
            if not links.stated:
                self.unstated.add(source)
        for compound, joining in joined.items():
            target, _, key = compound.partition("\0")
            table = maps[target]
            table[key] = _SEPARATOR.join([*members(table, key), *joining])

    @staticmethod
    def _keys(links: Links) -> list[tuple[str, Iterable[str]]]:
        return [
            ("sharers", links.names),
            ("definers", links.defines),
            ("by_path", set(links.paths)),
            ("by_account", links.accounts),
        ]

    # -- questions

    def touching(self, focus: Collection[str]) -> set[str]:
        """The sources whose units hold a path in (or under) `focus`."""
        by_path = self.by_path
        if isinstance(by_path, SortedTable) and "." not in focus:
            # The paths in order: each target and what lies under it is a search.
            found: set[str] = set()
            for target in focus:
                exact = by_path.get(target)
                if exact:
                    found.update(exact.split(_SEPARATOR))
                for _, sources in by_path.with_prefix(target + "/"):
                    found.update(sources.split(_SEPARATOR))
            return found
        return {
            source
            for path, sources in by_path.items()
            if touches((path,), focus)
            for source in sources.split(_SEPARATOR)
        }

    def sharing(self, names: Iterable[str]) -> set[str]:
        return {source for name in names for source in members(self.sharers, name)}

    def defining(self, names: Iterable[str]) -> set[str]:
        return {source for name in names for source in members(self.definers, name)}

    def maybe_in_accounts(
        self, accounts: set[str], account_for_path: AccountForPath | None
    ) -> set[str]:
        """Sources that may be in one of `accounts`, if any source certainly is; else none."""
        configured: dict[str, str | None] = {}
        if account_for_path is not None:
            configured = {
                source: _configured_account(self.links(source), account_for_path)
                for source in self.unstated
            }
        present = {account for account in accounts if account in self.by_account}
        present.update(account for account in configured.values() if account in accounts)
        if not present:
            return set()
        result = {source for account in present for source in members(self.by_account, account)}
        result.update(
            source
            for source in self.unstated
            if configured.get(source) is None or configured.get(source) in present
        )
        return result

    # -- between runs

    def dump(self) -> Any:
        """Plain data for marshal (see `restore`)."""
        summaries = {source: self.summary(source) for source in self._links}
        return (
            summaries,
            *(_table(table).dump() for table in (self.sharers, self.definers)),
            *(_table(table).dump() for table in (self.by_path, self.by_account)),
            tuple(sorted(self.universal)),
            tuple(sorted(self.unstated)),
        )

    @classmethod
    def restore(cls, data: Any) -> LinkIndex:
        """The index `dump` gave; raises TypeError or ValueError when `data` is not one."""
        summaries, sharers, definers, by_path, by_account, universal, unstated = data
        index = cls()
        if type(summaries) is not dict:
            raise TypeError("link index")
        if type(universal) is not tuple or type(unstated) is not tuple:
            raise TypeError("link index")
        index._links = summaries
        index.sharers, index.definers = SortedTable.load(sharers), SortedTable.load(definers)
        index.by_path, index.by_account = SortedTable.load(by_path), SortedTable.load(by_account)
        index.universal, index.unstated = set(universal), set(unstated)
        return index


def _table(table: _Map) -> SortedTable:
    return table if isinstance(table, SortedTable) else SortedTable.of(table)


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
