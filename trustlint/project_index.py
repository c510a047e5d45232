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

What a run pays per source is a stat; the rest is per column. The index is
kept column-wise (`_Sources`, `_Directories`): per source in the walk's
order, one string of ids, one of keys, one of the paths to check, one bytes
object of all their signatures, and counts, so that a 10,000-file index
loads as a dozen objects rather than 10,000 tuples (4 ms against 24).
`unchanged_sources` packs what it stats into one bytes object and compares
it with the kept one whole, then halves only where they differ; `save`
writes the kept columns back in runs of slices around the sources read
afresh. What a directory held is decoded only when its signature changed.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from itertools import accumulate, compress
from operator import not_
from pathlib import Path
from typing import Any, overload

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
from trustlint.graph.link_index import LinkIndex, SummaryStore
from trustlint.graph.links import Links
from trustlint.graph.sorted_table import join_strings, numbers, split_strings
from trustlint.records import record

PROJECT_INDEX_FORMAT = 6
"""Bump when the layout below changes."""

_MAGIC = b"TLP\x01"
_HEADER = struct.Struct("<4sI")
"""Magic, CRC-32 of the marshalled index that follows: it is rewritten whole by
`os.replace`, so the check is for a damaged file, and CRC-32 reads the 3.7 MB
index of a 3,000-file project in 1 ms where BLAKE2 took 5-7."""
_LINKS_MAGIC = b"TLL\x01"
_LINKS_HEADER = struct.Struct("<4sII")
"""Magic, CRC-32 of the marshalled link index that follows, its length; then
the sources' summaries, read only in part (see `graph.link_index`)."""
_SIGNATURE = struct.Struct("<4q")
"""A stat signature packed: the index keeps them all as one bytes object."""
_WIDTH = _SIGNATURE.size
_GONE = b"\xff" * _WIDTH
"""What a file that cannot be looked at is compared as: (-1, -1, -1, -1), no kept signature."""
_COLUMNS = {
    "sources": str,
    "modules": bytes,
    "locations": str,
    "keys": str,
    "key_lengths": bytes,
    "extras": dict,
    "counts": bytes,
    "checks": str,
    "signatures": bytes,
    "directories": str,
    "directory_signatures": bytes,
    "contents": bytes,
    "content_lengths": bytes,
}
"""The index file's columns and their types (see `_Sources` and `_Directories`)."""
WalkedSource = tuple[str, bool, str]
"""A source as a walk found it: project-relative id, module or not, absolute path."""
_Held = tuple[bool, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
"""What a directory held: virtualenv or not, directories, files, symlinks (`discover.Listing`)."""


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
    index = ProjectIndex(cache, walk, root)
    index.read()
    return index


class _Sources:
    """Per source, in the order of the walk that found it: the index's columns, split.

    Source `i` is `ids[i]`; its checks (the files and directories that decide
    its unit) are `checks[starts[i]:starts[i + 1]]`, their signatures the
    same run of `signatures`, 32 bytes each. A source without a state (not
    settled when read) has the key "" and no checks. Keys are one string cut
    by their lengths, since a run reads those of a few sources only.
    """

    __slots__ = (
        "_positions",
        "_starts",
        "checks",
        "counts",
        "extras",
        "ids",
        "key_lengths",
        "key_starts",
        "key_text",
        "locations",
        "modules",
        "signatures",
    )

    def __init__(  # noqa: PLR0917 (the columns)
        self,
        ids: list[str],
        modules: bytes,
        locations: list[str],
        key_text: str,
        key_lengths: array[int],
        extras: dict[str, bytes],
        counts: array[int],
        checks: list[str],
        signatures: bytes,
    ) -> None:
        self.ids = ids
        self.modules = modules
        """1 for a Terraform module, 0 for a file, a byte a source."""
        self.locations = locations
        """The absolute path where it is not the root's prefix and the id ("")."""
        self.key_text = key_text
        self.key_lengths = key_lengths
        self.key_starts = array("I", accumulate(key_lengths, initial=0))
        self.extras = extras
        """`marshal` of (dependencies, listings), for the sources with either."""
        self.counts = counts
        self.checks = checks
        self.signatures = signatures
        self._starts: array[int] | None = None
        self._positions: dict[str, int] | None = None

    @classmethod
    def load(cls, index: dict[str, Any]) -> _Sources:
        """The columns as stored; raises TypeError or ValueError unless they agree."""
        ids, modules = split_strings(index["sources"]), index["modules"]
        locations, key_text = split_strings(index["locations"]), index["keys"]
        key_lengths = numbers(index["key_lengths"])
        counts, checks = numbers(index["counts"]), split_strings(index["checks"])
        signatures, extras = index["signatures"], index["extras"]
        size = len(ids)
        if not len(modules) == len(locations) == len(key_lengths) == len(counts) == size:
            raise ValueError("project index: columns of different lengths")
        if modules.strip(b"\0\1") or sum(counts) != len(checks):
            raise ValueError("project index: module flags or check counts")
        if len(signatures) != _WIDTH * len(checks):
            raise ValueError("project index: signatures")
        if sum(key_lengths) != len(key_text):
            raise ValueError("project index: keys")
        if any(compress(map(not_, counts), key_lengths)):
            raise ValueError("project index: a state without checks")
        if any(compress(map(not_, key_lengths), counts)):
            raise ValueError("project index: checks without a key")
        if not all(type(s) is str and type(e) is bytes for s, e in extras.items()):
            raise TypeError("project index: extras")
        return cls(
            ids, modules, locations, key_text, key_lengths, extras, counts, checks, signatures
        )

    @property
    def starts(self) -> array[int]:
        """Where each source's checks start, and where the last one's end."""
        if self._starts is None:
            self._starts = array("I", accumulate(self.counts, initial=0))
        return self._starts

    def position(self, source: str) -> int | None:
        if self._positions is None:
            self._positions = dict(zip(self.ids, range(len(self.ids)), strict=True))
        return self._positions.get(source)

    def stated(self) -> set[str]:
        """The sources the index holds a state of."""
        return set(compress(self.ids, self.counts))

    def key(self, position: int) -> str:
        return self.key_text[self.key_starts[position] : self.key_starts[position + 1]]


class _SourcesBuilder:
    """New columns from runs of old ones and single sources."""

    NAMES = (
        "sources",
        "modules",
        "locations",
        "keys",
        "key_lengths",
        "counts",
        "checks",
        "signatures",
    )
    """The columns it builds."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.modules: list[bytes] = []
        self.locations: list[str] = []
        self.keys: list[str] = []
        self.key_lengths = array("I")
        self.counts = array("I")
        self.checks: list[str] = []
        self.signatures: list[bytes] = []

    def copy(self, old: _Sources, start: int, end: int) -> None:
        """Sources `start` to `end` of `old`, as they are."""
        if start >= end:
            return
        starts = old.starts
        first, last = starts[start], starts[end]
        self.ids += old.ids[start:end]
        self.modules.append(old.modules[start:end])
        self.locations += old.locations[start:end]
        self.keys.append(old.key_text[old.key_starts[start] : old.key_starts[end]])
        self.key_lengths += old.key_lengths[start:end]
        self.counts += old.counts[start:end]
        self.checks += old.checks[first:last]
        self.signatures.append(old.signatures[_WIDTH * first : _WIDTH * last])

    def add(self, source: str, module: bool, location: str, state: SourceState | None) -> None:
        self.ids.append(source)
        self.modules.append(b"\1" if module else b"\0")
        self.locations.append(location)
        if state is None or not state.key or not state.paths:
            self.key_lengths.append(0)
            self.counts.append(0)
            return
        self.keys.append(state.key)
        self.key_lengths.append(len(state.key))
        self.counts.append(len(state.paths))
        self.checks += state.paths
        self.signatures.append(state.signatures)

    def columns(self, walk: bool = True) -> dict[str, Any]:
        """The columns built; without `walk`, not those of the sources' ids and paths."""
        columns = {
            "keys": "".join(self.keys),
            "key_lengths": self.key_lengths.tobytes(),
            "counts": self.counts.tobytes(),
            "checks": join_strings(self.checks),
            "signatures": b"".join(self.signatures),
        }
        if walk:
            columns["sources"] = join_strings(self.ids)
            columns["modules"] = b"".join(self.modules)
            columns["locations"] = join_strings(self.locations)
        return columns


class _Directories:
    """The directories the walk listed: each one's signature and what it held.

    What a directory held is `marshal` of (virtualenv, directories, files,
    links), read only for a directory whose signature changed.
    """

    __slots__ = ("_positions", "_starts", "contents", "lengths", "paths", "signatures")

    def __init__(
        self, paths: list[str], signatures: bytes, contents: bytes, lengths: array[int]
    ) -> None:
        self.paths = paths
        self.signatures = signatures
        self.contents = contents
        self.lengths = lengths
        self._starts: array[int] | None = None
        self._positions: dict[str, int] | None = None

    @classmethod
    def load(cls, index: dict[str, Any]) -> _Directories:
        paths, signatures = split_strings(index["directories"]), index["directory_signatures"]
        contents, lengths = index["contents"], numbers(index["content_lengths"])
        if len(signatures) != _WIDTH * len(paths) or len(lengths) != len(paths):
            raise ValueError("project index: directories")
        if sum(lengths) != len(contents):
            raise ValueError("project index: directory contents")
        return cls(paths, signatures, contents, lengths)

    def position(self, directory: str) -> int | None:
        if self._positions is None:
            self._positions = dict(zip(self.paths, range(len(self.paths)), strict=True))
        return self._positions.get(directory)

    def signature(self, position: int) -> bytes:
        return self.signatures[_WIDTH * position : _WIDTH * (position + 1)]

    def blob(self, position: int) -> bytes:
        """What the directory held, as stored."""
        if self._starts is None:
            self._starts = array("I", accumulate(self.lengths, initial=0))
        return self.contents[self._starts[position] : self._starts[position + 1]]

    def content(self, position: int) -> _Held:
        """What the directory held; raises EOFError, TypeError or ValueError when
        not of the shape written."""
        virtualenv, directories, files, links = marshal.loads(self.blob(position))
        if type(virtualenv) is not bool or not _names(directories, files, links):
            raise ValueError("project index: a directory's content")
        return virtualenv, directories, files, links


_NO_SOURCES = _Sources([], b"", [], "", array("I"), {}, array("I"), [], b"")
_NO_DIRECTORIES = _Directories([], b"", b"", array("I"))


def _content(listing: Listing) -> bytes:
    return marshal.dumps((listing.virtualenv, listing.directories, listing.files, listing.links))


class KeptWalk(Sequence[WalkedSource]):
    """The sources the kept walk found, read from the index's columns as asked."""

    def __init__(self, sources: _Sources, prefix: str) -> None:
        self._sources = sources
        self._prefix = prefix
        self.ids = sources.ids
        """Their ids, in order: most runs need no more of most sources."""

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> WalkedSource: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[WalkedSource]: ...

    def __getitem__(self, index: int | slice) -> WalkedSource | Sequence[WalkedSource]:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        sources = self._sources
        source = sources.ids[index]
        location = sources.locations[index] or self._prefix + source
        return source, sources.modules[index] == 1, location


def walked_ids(walked: Sequence[WalkedSource]) -> list[str]:
    """The ids of a walk's sources, in order."""
    if isinstance(walked, KeptWalk):
        return walked.ids
    return [source for source, _, _ in walked]


class ProjectIndex:
    """One run's view of the project index: what was kept, and what this run saw."""

    def __init__(self, cache: ParseCache, walk: str, root: Path) -> None:
        self.cache = cache
        """The parse cache without its per-file index (see `ParseCache.indexed`)."""
        self.walk_key = walk
        self.prefix = os.path.join(os.path.abspath(root), "")
        """The root as the start of a path under it: a source's path is this and its id."""
        self.loaded = False
        """An index was read and is whole: its entries may be used (each once checked)."""
        self.listings: dict[str, tuple[bytes, bytes]] = {}
        """The listings `discover` took this run (settled ones only), by
        absolute directory: packed signature, content (see `_Directories`)."""
        self.walk_complete = True
        """Every directory this run's walk listed is settled and holds no symlink;
        the engine clears it when the walk met errors or was given files."""
        self.links = LinkIndex()
        self.adopted: set[str] = set()
        """The sources `unchanged_sources` found unchanged this run: their states
        and links are the index's."""
        self._stored: dict[str, Any] = {}
        """The index as read (its columns are written back where they did not change)."""
        self._sources = _NO_SOURCES
        self._directories = _NO_DIRECTORIES
        self._complete = False
        """The kept walk can stand for a walk (see `walk`)."""
        self._kept_walk: KeptWalk | None = None
        self._walked_signatures: bytes | None = None
        """This run's signatures of the kept directories, when the kept walk stands."""
        self._links_dirty = False
        self._links_checksum: int | None = None

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
                or index.get("root") != self.prefix
            ):
                return
            if any(type(index[name]) is not kind for name, kind in _COLUMNS.items()):
                raise TypeError("project index")
            if type(index["complete"]) is not bool:
                raise TypeError("project index")
            sources, directories = _Sources.load(index), _Directories.load(index)
            links = self._read_links(index["links_checksum"])
        except Exception:  # damaged: start afresh, and write a whole index at the end
            _debug("ignoring a damaged project index")
            return
        self._stored, self._sources, self._directories = index, sources, directories
        self._complete = index["complete"]
        self.links = links
        self._links_checksum = index["links_checksum"]
        self.loaded = True

    def _read_links(self, checksum: object) -> LinkIndex:
        """The link index written with the project index (its checksum is `checksum`)."""
        head = self.cache.read_companion(self._links_suffix, 0, _LINKS_HEADER.size) or b""
        magic, written, size = _LINKS_HEADER.unpack(head)
        if magic != _LINKS_MAGIC or written != checksum:
            raise ValueError("the link index is not the one written with the project index")
        body = self.cache.read_companion(self._links_suffix, _LINKS_HEADER.size, size)
        if body is None or len(body) != size or zlib.crc32(body) != written:
            raise ValueError("the link index is damaged")
        summaries = _Summaries(self.cache, self._links_suffix, _LINKS_HEADER.size + size)
        return LinkIndex.restore(marshal.loads(body), summaries)

    # -- `discover.Listings`

    def listing(self, directory: str, signature: StatSignature) -> Listing | None:
        kept = self._directories
        position = kept.position(directory)
        if position is None or kept.signature(position) != _SIGNATURE.pack(*signature):
            return None
        try:
            virtualenv, directories, files, links = kept.content(position)
        except (EOFError, TypeError, ValueError):
            return None
        listing = Listing(signature, virtualenv, directories, files, links)
        self._keep(directory, listing, kept.blob(position))
        return listing

    def remember(self, directory: str, listing: Listing) -> None:
        self._keep(directory, listing, _content(listing))

    def _keep(self, directory: str, listing: Listing, content: bytes) -> None:
        self._walked_signatures = None  # this run's listings are those `discover` took
        if listing.links or not settled(listing.signature):
            self.walk_complete = False
        if settled(listing.signature):
            self.listings[directory] = (_SIGNATURE.pack(*listing.signature), content)

    # -- the walk

    def walk(self) -> Sequence[WalkedSource] | None:
        """The sources a walk would find now, if they are those the kept walk found; else None.

        Each directory the kept walk listed is looked at again (a stat); one
        whose signature changed is listed again, and the walk stands if it
        holds the same names (a file rewritten by renaming over it, say).
        """
        if not self.loaded or not self._complete or not self.walk_complete:
            return None
        kept = self._directories
        pack, stat = _SIGNATURE.pack, os.stat
        now = []
        try:
            for directory in kept.paths:
                info = stat(directory)
                now.append(pack(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
            signatures = b"".join(now)
            for position in _differing(signatures, kept.signatures):
                signature = _unpack(now[position])
                if not settled(signature):
                    return None
                listing = list_directory(kept.paths[position], signature)
                held = (listing.virtualenv, listing.directories, listing.files, listing.links)
                if listing.links or held != kept.content(position):
                    return None
        except (OSError, EOFError, TypeError, ValueError):
            return None
        self._walked_signatures = signatures
        self._kept_walk = KeptWalk(self._sources, self.prefix)
        return self._kept_walk

    def directory_signature(self, directory: str) -> StatSignature | None:
        """The settled signature this run's walk took of `directory` (absolute), if any."""
        if self._walked_signatures is not None:
            position = self._directories.position(directory)
            if position is None:
                return None
            return _unpack(self._walked_signatures[_WIDTH * position : _WIDTH * (position + 1)])
        listing = self.listings.get(directory)
        return _unpack(listing[0]) if listing is not None else None

    def _seen(self) -> dict[str, bytes]:
        """The signatures this run's walk took, packed, by absolute directory."""
        if self._walked_signatures is not None:
            walked = self._walked_signatures
            chunks = [walked[start : start + _WIDTH] for start in range(0, len(walked), _WIDTH)]
            return dict(zip(self._directories.paths, chunks, strict=True))
        return {directory: listing[0] for directory, listing in self.listings.items()}

    # -- sources

    def unchanged_sources(self, sources: Collection[str]) -> set[str]:
        """Those of `sources` whose kept state holds: no file or directory deciding them changed.

        A stat a file, compared with what was kept all at once; the
        directories the walk looked at this run are not looked at again.
        """
        kept = self._sources
        if not self.loaded:
            self.adopted = set()
            return self.adopted
        seen = self._seen().get
        pack, stat = _SIGNATURE.pack, os.stat
        now: list[bytes] = []
        append = now.append
        for path in kept.checks:
            packed = seen(path)
            if packed is None:
                try:
                    info = stat(path)
                except OSError:
                    packed = _GONE
                else:
                    packed = pack(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            append(packed)
        unchanged = kept.stated()
        differing = _differing(b"".join(now), kept.signatures)
        if differing:
            starts, ids = kept.starts, kept.ids
            unchanged.difference_update(ids[bisect_right(starts, check) - 1] for check in differing)
        if sources is not kept.ids:
            unchanged.intersection_update(sources)
        self.adopted = unchanged
        return unchanged

    def state(self, source: str) -> SourceState | None:
        """The kept state of a source `unchanged_sources` gave; None if not of the shape written."""
        kept = self._sources
        position = kept.position(source)
        if position is None or not kept.counts[position]:
            return None
        try:
            extra = kept.extras.get(source)
            dependencies, listings = marshal.loads(extra) if extra is not None else ((), ())
        except (EOFError, TypeError, ValueError):
            return None
        if not _well_formed(dependencies, listings):
            return None
        start, end = kept.starts[position], kept.starts[position + 1]
        paths = tuple(kept.checks[start:end])
        signatures = kept.signatures[_WIDTH * start : _WIDTH * end]
        return SourceState(kept.key(position), dependencies, listings, paths, signatures)

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
        states: dict[str, SourceState | None] = {}
        links: dict[str, Links | None] = {}
        for source, state, given in fresh:
            links[source] = given
            states[source] = state if given is not None else None
        try:
            self.mend_links(links, set(walked_ids(walked)))
            damaged = False
        except ValueError:  # a summary as read is damaged (see `LinkIndex.dump`)
            damaged = True
        if walked is self._kept_walk:
            columns = self._patched(states)
        else:
            columns = self._rebuilt(walked, states)
        kept = self._sources.extras
        extras = {s: extra for s, extra in kept.items() if s in self.adopted and s not in states}
        for source, state in states.items():
            if state is not None and (state.dependencies or state.listings):
                extras[source] = marshal.dumps((state.dependencies, state.listings))
        index = {
            "format": PROJECT_INDEX_FORMAT,
            "namespace": self.cache.namespace,
            "walk": self.walk_key,
            "root": self.prefix,
            "complete": self.walk_complete,
            "links_checksum": self._links_checksum,
            **columns,
            "extras": extras,
            **self._listing_columns(),
        }
        unchanged = not self._links_dirty and self._links_checksum is not None
        if unchanged and not damaged and index == self._stored:
            return
        if damaged or not unchanged:
            try:
                links_data = b"" if damaged else _encode_links(*self.links.dump())
            except ValueError:
                damaged = True
            if damaged:  # a file no run reads: the next one builds the link index afresh
                _debug("ignoring a damaged link index")
                links_data = b""
            self.cache.write_companion(self._links_suffix, links_data)
            self._links_checksum = index["links_checksum"] = _checksum(links_data)
        self.cache.write_companion(self._suffix, _encode(index))

    def _patched(self, states: dict[str, SourceState | None]) -> dict[str, Any]:
        """The source columns for the kept walk: the kept ones, where the sources read afresh
        and those no longer trusted are replaced (a few runs of big slices)."""
        kept = self._sources
        replaced = kept.stated() - self.adopted
        replaced.update(states)
        positions = sorted(p for s in replaced if (p := kept.position(s)) is not None)
        if not positions:
            return {name: self._stored[name] for name in _SourcesBuilder.NAMES}
        builder = _SourcesBuilder()
        previous = 0
        for position in positions:
            builder.copy(kept, previous, position)
            source = kept.ids[position]
            module, location = kept.modules[position] == 1, kept.locations[position]
            builder.add(source, module, location, states.get(source))
            previous = position + 1
        builder.copy(kept, previous, len(kept.ids))
        columns = builder.columns(walk=False)
        for name in ("sources", "modules", "locations"):  # the walk's, as kept
            columns[name] = self._stored[name]
        return columns

    def _rebuilt(
        self, walked: Sequence[WalkedSource], states: dict[str, SourceState | None]
    ) -> dict[str, Any]:
        """The source columns for another walk: what is kept of each source, in its order."""
        kept, prefix, adopted = self._sources, self.prefix, self.adopted
        builder = _SourcesBuilder()
        start = end = 0
        """The run of kept sources to copy next."""
        for source, module, path in walked:
            location = "" if path == prefix + source else path
            if source in adopted and source not in states:
                position = kept.position(source)
                if (
                    position is not None
                    and kept.modules[position] == module
                    and kept.locations[position] == location
                ):
                    if position != end:
                        builder.copy(kept, start, end)
                        start = position
                    end = position + 1
                    continue
            builder.copy(kept, start, end)
            start = end = 0
            builder.add(source, module, location, states.get(source))
        builder.copy(kept, start, end)
        return builder.columns()

    def _listing_columns(self) -> dict[str, Any]:
        if self._walked_signatures is not None:
            stored = self._stored
            return {
                "directories": stored["directories"],
                "directory_signatures": self._walked_signatures,
                "contents": stored["contents"],
                "content_lengths": stored["content_lengths"],
            }
        listings = self.listings
        contents = [content for _, content in listings.values()]
        return {
            "directories": join_strings(list(listings)),
            "directory_signatures": b"".join(signature for signature, _ in listings.values()),
            "contents": b"".join(contents),
            "content_lengths": array("I", map(len, contents)).tobytes(),
        }


def _differing(now: bytes, kept: bytes) -> list[int]:
    """The positions of the signatures that differ between two runs of them of one length:
    halves are compared whole, and only those that differ are split."""
    if now == kept:
        return []
    if len(now) != len(kept):
        raise ValueError("signatures of different lengths")
    found = []
    pending = [(0, len(kept) // _WIDTH)]
    while pending:
        start, end = pending.pop()
        if now[_WIDTH * start : _WIDTH * end] == kept[_WIDTH * start : _WIDTH * end]:
            continue
        if end - start == 1:
            found.append(start)
            continue
        middle = (start + end) // 2
        pending += [(middle, end), (start, middle)]
    return found


def _unpack(packed: bytes) -> StatSignature:
    size, mtime, ctime, inode = _SIGNATURE.unpack(packed)
    return size, mtime, ctime, inode


def _encode(index: Any) -> bytes:
    body = marshal.dumps(index)
    return _HEADER.pack(_MAGIC, zlib.crc32(body)) + body


def _encode_links(body: Any, summaries: bytes) -> bytes:
    data = marshal.dumps(body)
    return _LINKS_HEADER.pack(_LINKS_MAGIC, zlib.crc32(data), len(data)) + data + summaries


def _checksum(data: bytes) -> int | None:
    """The checksum `_encode` or `_encode_links` put in the header of `data` (None: none)."""
    return int(_HEADER.unpack_from(data)[1]) if len(data) >= _HEADER.size else None


class _Summaries(SummaryStore):
    """The summaries of the link file, read as asked: if the file was replaced
    since, what is read is not what its checksum says, and is refused."""

    def __init__(self, cache: ParseCache, suffix: str, offset: int) -> None:
        self.cache, self.suffix, self.offset = cache, suffix, offset

    def read(self, start: int, end: int) -> bytes:
        data = self.cache.read_companion(self.suffix, self.offset + start, end - start)
        if data is None or len(data) != end - start:
            raise ValueError("the link index's summaries cannot be read")
        return data


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
