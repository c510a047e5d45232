"""The project index: what a partial scan needs of every unchanged source, kept in the cache.

A pre-commit run reports on the few files it is given, but the graph rules
need every unit that may bear on them, so the run must know every source of
the project: which directories hold which files, each source's cache key and
its links (`trustlint.graph.links.Links`). Walking the tree, hashing each source
and reading its record made a one-file run grow with the repository (291 ms
in a 3,000-file one against 156 ms in a 200-file one). The project index
keeps, for one project root and one walk (scan paths and excludes):

- per directory the walk listed: its stat signature and what it held
  (`discover.Listing`), so that an unchanged directory is not listed again;
- per source: its cache key, dependencies and listings, and the stat
  signature of every file and directory that decides its unit;
- the links of every source, indexed by name (`graph.link_index.LinkIndex`),
  so that choosing the related units reads only them; in a file of its own,
  named in the first by its checksum, since most edits leave it as it is.

A run stats every directory and file the index names, as git does with its
index, and trusts an entry only when every signature is what it was; a
signature is kept only when its file last changed more than
`cache.RACY_SECONDS` before it was taken (a change within the timestamp
granularity could leave it unchanged). Whatever is not trusted goes the
normal way through the parse cache, and the index is rewritten. Each file
carries a checksum and its shape is checked when read: a damaged or
foreign index is ignored (and rewritten whole), never trusted.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from trustlint.cache import (
    Dependencies,
    Listings,
    ParseCache,
    StatSignature,
    _well_formed,
    open_cache,
    settled,
)
from trustlint.discover import Listing, list_directory
from trustlint.graph.link_index import LinkIndex
from trustlint.graph.links import Links
from trustlint.records import record

PROJECT_INDEX_FORMAT = 5
"""Bump when the layout below changes."""

_MAGIC = b"TLP\x01"
_HEADER = struct.Struct("<4sI")
"""Magic, CRC-32 of the marshalled index that follows: it is rewritten whole by
`os.replace`, so the check is for a damaged file, and CRC-32 reads the 3.7 MB
index of a 3,000-file project in 1 ms where BLAKE2 took 5-7."""
_SIGNATURE = struct.Struct("<4q")
"""A stat signature packed: an index of thousands of them loads as one bytes object."""
WalkedSource = tuple[str, bool, str]
"""A source as a walk found it: project-relative id, module or not, absolute path."""


@record
class SourceState:
    """What the index knows of one source: enough to use its cache entries without reading it."""

    key: str
    dependencies: Dependencies
    listings: Listings
    paths: tuple[str, ...]
    """Every file and directory that decides the unit (absolute): its own
    files, the files it read beyond them, the directories whose listing it
    depends on."""
    signatures: bytes
    """Their stat signatures when the source was read, packed."""

    @classmethod
    def of(
        cls,
        key: str,
        dependencies: Dependencies,
        listings: Listings,
        checks: Sequence[tuple[str, StatSignature]],
    ) -> SourceState:
        packed = b"".join(_SIGNATURE.pack(*signature) for _, signature in checks)
        return cls(key, dependencies, listings, tuple(path for path, _ in checks), packed)


def walk_id(paths: Sequence[Path], excludes: Sequence[str]) -> str:
    """What decides a walk's result besides the tree: the scan paths and the excludes."""
    text = "\0".join([*(os.path.abspath(path) for path in paths), "", *excludes])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def open_project_index(
    cache_dir: Path, root: Path, namespace: str, walk: str
) -> ProjectIndex | None:
    """The project index of `root` for this walk; None when the cache cannot be used."""
    cache = open_cache(cache_dir, root, namespace, index=False)
    if cache is None:
        return None
    index = ProjectIndex(cache, walk)
    index.read()
    return index


class ProjectIndex:
    """One run's view of the project index: what was kept, and what this run saw."""

    def __init__(self, cache: ParseCache, walk: str) -> None:
        self.cache = cache
        """The parse cache without its per-file index (see `ParseCache.indexed`)."""
        self.walk_key = walk
        self.loaded = False
        """An index was read and is whole: its entries may be used (each once checked)."""
        self.kept_listings: dict[str, Any] = {}
        self.listings: dict[str, tuple[Any, ...]] = {}
        """This run's listings, by absolute directory (settled ones only), as stored."""
        self.kept_walk: Any = None
        """The sources the last walk found, when it can be told unchanged (see `walk`)."""
        self.walk_complete = True
        """Every directory this run's walk listed is settled and holds no symlink;
        the engine clears it when the walk met errors or was given files."""
        self.states: dict[str, Any] = {}
        """Kept states by source id, as stored; `unchanged_sources` checks them before use."""
        self.links = LinkIndex()
        self._dirty = False
        self._links_dirty = False
        self._links_checksum: int | None = None
        self.adopted: set[str] = set()
        """The sources `unchanged_sources` found unchanged this run: their states
        and links are the index's."""

    @property
    def _suffix(self) -> str:
        return f"project-{self.walk_key}"

    @property
    def _links_suffix(self) -> str:
        """The link index has a file of its own: an edit that leaves a source's
        links as they were (most do) rewrites only the smaller file."""
        return f"links-{self.walk_key}"

    # -- reading

    def read(self) -> None:
        data = self.cache.read_companion(self._suffix)
        if data is None:
            return
        try:
            index = _decode(data)
            if (
                type(index) is not dict
                or index.get("format") != PROJECT_INDEX_FORMAT
                or index.get("namespace") != self.cache.namespace
                or index.get("walk") != self.walk_key
            ):
                return
            listings, states, walk = index["listings"], index["states"], index["walk_sources"]
            if type(listings) is not dict or type(states) is not dict:
                raise TypeError("project index")
            if walk is not None and type(walk) is not tuple:
                raise TypeError("project index")
            links_data = self.cache.read_companion(self._links_suffix)
            if links_data is None or _checksum(links_data) != index["links_checksum"]:
                raise ValueError("the link index is not the one written with the project index")
            links = LinkIndex.restore(_decode(links_data))
        except Exception:  # damaged: start afresh, and write a whole index at the end
            _debug("ignoring a damaged project index")
            self._dirty = True
            return
        self.kept_listings, self.states, self.links = listings, states, links
        self.kept_walk = walk
        self._links_checksum = index["links_checksum"]
        self.loaded = True

    # -- `discover.Listings`

    def listing(self, directory: str, signature: StatSignature) -> Listing | None:
        kept = self.kept_listings.get(directory)
        if kept is None:
            return None
        try:
            kept_signature, virtualenv, directories, files, links = kept
            if kept_signature != signature or not _names(directories, files, links):
                return None
            listing = Listing(signature, virtualenv is True, directories, files, links)
        except (TypeError, ValueError):
            return None
        self._keep(directory, listing)
        return listing

    def remember(self, directory: str, listing: Listing) -> None:
        self._keep(directory, listing)
        self._dirty = True

    def _keep(self, directory: str, listing: Listing) -> None:
        if listing.links or not settled(listing.signature):
            self.walk_complete = False
        if settled(listing.signature):
            self.listings[directory] = (
                listing.signature,
                listing.virtualenv,
                listing.directories,
                listing.files,
                listing.links,
            )

    # -- the walk

    def walk(self) -> Sequence[WalkedSource] | None:
        """The sources a walk would find now, if they are those the kept walk found; else None.

        Each directory the kept walk listed is looked at again (a stat); one
        whose signature changed is listed again, and the walk stands if it
        holds the same names (a file rewritten by renaming over it, say).
        """
        if not self.loaded or self.kept_walk is None:
            return None
        try:
            for directory, kept in self.kept_listings.items():
                info = os.stat(directory)
                signature = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                if signature == kept[0]:
                    self.listings[directory] = kept
                    continue
                listing = list_directory(directory, signature)
                now = (listing.virtualenv, listing.directories, listing.files, listing.links)
                if now != tuple(kept[1:]):
                    return None
                self.remember(directory, listing)
            walked: Sequence[WalkedSource] = self.kept_walk
            if not all(type(source) is tuple and len(source) == 3 for source in walked):
                return None
        except (OSError, TypeError, ValueError):
            return None
        if not self.walk_complete:
            return None
        return walked

    def directory_signature(self, directory: str) -> StatSignature | None:
        """The settled signature this run's walk took of `directory` (absolute), if any."""
        listing = self.listings.get(directory)
        return listing[0] if listing is not None else None

    # -- sources

    def unchanged_sources(self, sources: Iterable[str]) -> set[str]:
        """Those of `sources` whose kept state holds: no file or directory deciding them changed.

        A stat a file; the directories the walk looked at this run are not
        looked at again.
        """
        pack = _SIGNATURE.pack
        stat = os.stat
        seen = {path: pack(*listing[0]) for path, listing in self.listings.items()}
        states = self.states
        unchanged = set()
        for source in sources:
            kept = states.get(source)
            if kept is None:
                continue
            try:
                now = []
                for path in kept[3]:
                    packed = seen.get(path)
                    if packed is None:
                        info = stat(path)
                        packed = pack(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                    now.append(packed)
                if b"".join(now) == kept[4] and type(kept[0]) is str:
                    unchanged.add(source)
            except (OSError, TypeError, ValueError, IndexError, struct.error):
                continue
        self.adopted = unchanged
        return unchanged

    def state(self, source: str) -> SourceState | None:
        """The kept state of a source `unchanged_sources` gave; None if not of the shape written."""
        try:
            key, dependencies, listings, paths, signatures = self.states[source]
        except (KeyError, TypeError, ValueError):
            return None
        if not _well_formed(dependencies, listings) or not _names(paths):
            return None
        return SourceState(key, dependencies, listings, paths, signatures)

    # -- the links

    def replace_links(self, links: LinkIndex) -> None:
        """Take a link index built afresh from every source."""
        self.links = links
        self._links_dirty = True

    def mend_links(self, links: dict[str, Links | None], present: set[str]) -> None:
        """Bring the link index up to date: `links` of the sources read afresh
        (None: not known), and no source that is not `present`."""
        index = self.links
        added: dict[str, Links | bytes] = {}
        for source, given in links.items():
            if given is None:
                continue
            if source not in index.sources or index.links(source) != given:
                added[source] = given
        removed = [source for source in index.sources if source not in present]
        removed += [s for s, given in links.items() if given is None and s in index.sources]
        if added or removed:
            index.update(added, removed)
            self._links_dirty = True

    # -- writing

    def save(
        self,
        fresh: Iterable[tuple[str, SourceState | None, Links | None]],
        walked: Sequence[WalkedSource],
    ) -> None:
        """Keep this run's view: the walk, and per source read afresh its state
        (None: not to be trusted) and links (None: not known; the source is
        then left out of the link index, and so of partial scans' choice,
        until a run sees it again). The sources `unchanged_sources` gave keep
        what the index holds of them.
        """
        present = {source for source, _, _ in walked}
        kept = self.states
        new_states: dict[str, Any] = {s: kept[s] for s in self.adopted if s in present}
        links: dict[str, Links | None] = {}
        for source, state, given in fresh:
            links[source] = given
            if state is not None and given is not None:
                new_states[source] = (
                    state.key,
                    state.dependencies,
                    state.listings,
                    state.paths,
                    state.signatures,
                )
        self.mend_links(links, present)
        walk = walked if self.walk_complete else None
        if walk is not None and walk is not self.kept_walk:
            walk = tuple(walk)
        if (
            not self._dirty
            and not self._links_dirty
            and new_states == kept
            and self.listings == self.kept_listings
            and walk == self.kept_walk
        ):
            return
        if self._links_dirty or self._links_checksum is None:
            links_data = _encode(self.links.dump())
            self.cache.write_companion(self._links_suffix, links_data)
            self._links_checksum = _checksum(links_data)
        index = {
            "format": PROJECT_INDEX_FORMAT,
            "namespace": self.cache.namespace,
            "walk": self.walk_key,
            "listings": self.listings,
            "states": new_states,
            "walk_sources": walk,
            "links_checksum": self._links_checksum,
        }
        self.cache.write_companion(self._suffix, _encode(index))


def _encode(index: dict[str, Any]) -> bytes:
    body = marshal.dumps(index)
    return _HEADER.pack(_MAGIC, zlib.crc32(body)) + body


def _checksum(data: bytes) -> int:
    """The checksum `_encode` put in the header of `data`."""
    return int(_HEADER.unpack_from(data)[1])


def _decode(data: bytes) -> Any:
    magic, checksum = _HEADER.unpack_from(data)
    body = memoryview(data)[_HEADER.size :]
    if magic != _MAGIC or zlib.crc32(body) != checksum:
        raise ValueError("the project index is damaged")
    return marshal.loads(body)


def _names(*groups: Any) -> bool:
    return all(
        type(group) is tuple and all(type(name) is str for name in group) for group in groups
    )


def _debug(message: str, *args: object) -> None:
    import logging

    logging.getLogger(__name__).debug(message, *args)
