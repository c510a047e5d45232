"""Turn discovered files into source units: the front-ends, behind the parse cache.

A run has three steps:

1. Every source (a file, or a Terraform module directory) is looked up in the
   parse cache (`trustlint.cache`) under a key made of the trustlint code
   stamp, the `LoadOptions`, its project-relative path and the hash of its
   bytes (for a module, of each of its files). A hit whose recorded
   dependencies (files read beyond the key) still hash the same is reused.
2. The misses are parsed: in this process when there are few, otherwise in a
   pool of processes (one per core), a chunk of sources per task. Results
   keep the discovery order whatever finishes first; a chunk whose worker
   dies is parsed again here.
3. For a partial scan (`focus`: the files a pre-commit hook passes), only the
   units that can bear on findings located in those files are kept: see
   `related`. A warm cache then unpickles a handful of units instead of the
   whole project.

`visit_units` hands each unit, as soon as it exists, to a visitor that says
what to keep of it (the engine: its findings and what the trust graph needs),
in the workers for the sources parsed there, so that no step holds every
whole unit of a large project at once; `load_units` keeps them whole.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from trustlint import budgets
from trustlint.cache import (
    Dependencies,
    Entry,
    Listings,
    ParseCache,
    Record,
    Sharing,
    code_stamp,
    dump_model,
    dump_unit,
    load_model,
    load_unit,
    open_cache,
)
from trustlint.config import LoadOptions
from trustlint.frontends.source_text import ReadLog, recording_reads
from trustlint.frontends.terraform.files import TFVARS_SUFFIXES, is_module_file, module_file_names
from trustlint.graph.links import Links, touches, unit_links
from trustlint.model import SourceUnit
from trustlint.project_paths import project_path
from trustlint.records import field, record

if TYPE_CHECKING:
    from concurrent.futures import Future

    from trustlint.graph.link_index import LinkIndex
    from trustlint.project_index import ProjectIndex, SourceState


_CONTEXT = "-context"
"""Suffix of the cache key under which `finish_context` keeps what `context` kept of a unit."""
PARALLEL_THRESHOLD = 20
"""Fewest sources to parse before a process pool pays for itself. Starting a
pool of two forked workers and shipping the units back costs about 40 ms;
measured on two cores with 3-12 KB templates: 5 files 32 ms here against
71 ms in a pool, 20 files 134 against 142 ms, 40 files 208 against 183 ms."""
MAX_WORKERS = 16
CHUNKS_PER_WORKER = 6
"""Several chunks per worker, largest sources first, so one big file does not
leave the other workers idle at the end."""
MAX_CHUNK_SOURCES = 64

T = TypeVar("T")
Visit = Callable[[SourceUnit], tuple[SourceUnit, T]]
"""What `visit_units` does with each unit: what to keep of it, and a result."""
AccountForPath = Callable[[str], "str | None"]
"""The config's `accounts.paths` lookup: which account a project-relative path deploys into."""


@record
class Source:
    """One thing a front-end reads: a file, or a Terraform module directory."""

    path: Path
    """Absolute."""
    relative: str
    module: bool

    def load(self, root: Path, options: LoadOptions) -> SourceUnit | None:
        from trustlint.frontends import dispatch

        if self.module:
            return dispatch.load_terraform(self.path, root, options)
        return dispatch.load_file(self.path, root, options)

    def load_recording(
        self, root: Path, options: LoadOptions, *, record: bool
    ) -> tuple[SourceUnit | None, ReadLog | None]:
        """The unit, and (when `record`) the hashes of the bytes it was parsed from."""
        if not record:
            return self.load(root, options), None
        with recording_reads() as reads:
            unit = self.load(root, options)
        if unit is not None and budgets.ran_out_of_time(unit):
            # Cut short by the clock, the unit depends on how busy the machine
            # was: it is not cached (no file read is known to hash to its key).
            reads = dict.fromkeys(reads)
        return unit, reads


def load_units(
    files: Sequence[Path],
    terraform_dirs: Sequence[Path],
    root: Path,
    options: LoadOptions,
    cache_dir: Path | None = None,
    *,
    focus: Collection[str] | None = None,
    account_for_path: AccountForPath | None = None,
) -> list[SourceUnit]:
    """Load every file and Terraform module; never raises on bad input.

    `cache_dir` None means uncached. With `focus` (project-relative files or
    directories), only the units related to those paths are returned;
    `account_for_path` is the config's `accounts.paths` lookup, which
    `related` needs.
    """
    loaded = _load(files, terraform_dirs, root, options, cache_dir, focus, account_for_path, None)
    return [unit for unit, _ in loaded]


def visit_units(
    files: Sequence[Path],
    terraform_dirs: Sequence[Path],
    root: Path,
    options: LoadOptions,
    *,
    visit: Visit[T],
    cache_dir: Path | None = None,
    focus: Collection[str] | None = None,
    account_for_path: AccountForPath | None = None,
    context: Visit[T] | None = None,
    project: ProjectIndex | None = None,
) -> list[tuple[SourceUnit, T]]:
    """Load as `load_units` does, handing each unit to `visit` as soon as it is loaded.

    `visit(unit)` returns what to keep of the unit and a result of its own;
    the whole unit is let go at once, so a scan of many files never holds
    them all. Sources parsed in a pool are visited in the workers (`visit`
    must then be picklable, and only what it keeps comes back); with `focus`,
    only the related units are visited, once they are known. The parse cache
    always stores whole units.

    With `focus`, `context(unit)` (when given) is what is kept of a related
    unit that holds none of the focused paths instead of `visit(unit)`. It
    must depend on the unit alone: the parse cache keeps its result, so a
    warm partial scan reads that, not the whole unit. `project` (the project
    index, see `trustlint.project_index`) lets a partial scan take unchanged
    sources from it, and is brought up to date by every run.
    """
    loaded = _load(
        files,
        terraform_dirs,
        root,
        options,
        cache_dir,
        focus,
        account_for_path,
        visit,
        context=context,
        project=project,
    )
    return cast("list[tuple[SourceUnit, T]]", loaded)


def _load(  # noqa: PLR0917 (the public functions above name them)
    files: Sequence[Path],
    terraform_dirs: Sequence[Path],
    root: Path,
    options: LoadOptions,
    cache_dir: Path | None,
    focus: Collection[str] | None,
    account_for_path: AccountForPath | None,
    visit: Visit[Any] | None,
    *,
    context: Visit[Any] | None = None,
    project: ProjectIndex | None = None,
) -> list[tuple[SourceUnit, Any]]:
    relative = _Relative(root)
    sources = [Source(*relative(f), module=False) for f in files]
    sources += [Source(*relative(d), module=True) for d in terraform_dirs]
    slots = [_Slot(source) for source in sources]
    cache = open_cache(cache_dir, root, namespace(options)) if cache_dir is not None else None
    loading = _Loading(root, options, cache, visit, focus=focus is not None)
    loading.keep_summaries = project is not None
    try:
        if cache is not None:
            with _no_collection():
                for slot in slots:
                    _look_up(slot, cache, root, loading.sharing, links=focus is not None)
                    loading.visit_early(slot)
        loading.parse([slot for slot in slots if not slot.found])
        chosen: Iterable[_Slot] = slots
        focused: Collection[str] = ()
        if focus is not None:
            from trustlint.graph.link_index import LinkIndex
            from trustlint.graph.link_index import related as related_sources

            index = LinkIndex.build({slot.source.relative: slot.links for slot in slots})
            if project is not None:
                project.replace_links(index)
            wanted = related_sources(index, focus, account_for_path)
            focused = index.touching(focus) if context is not None else ()
            chosen = [slot for slot in slots if slot.source.relative in wanted]
        loaded = []
        for slot in chosen:
            if context is not None and focus is not None and slot.source.relative not in focused:
                kept = loading.finish_context(slot, context)
            else:
                kept = loading.finish(slot)
            if kept is not None:
                loaded.append(kept)
        if project is not None and cache is not None:
            walked = [
                (slot.source.relative, slot.source.module, os.fspath(slot.source.path))
                for slot in slots
            ]
            project.save(_project_states(slots, cache, root, project), walked)
        return _roots(_without_nested_templates(loaded))
    finally:
        if cache is not None:
            cache.close()


def visit_project(
    project: ProjectIndex,
    root: Path,
    options: LoadOptions,
    *,
    visit: Visit[T],
    focus: Collection[str],
    account_for_path: AccountForPath | None,
    context: Visit[T],
    walked: Sequence[tuple[str, bool, str]] | None = None,
) -> list[tuple[SourceUnit, T]] | None:
    """`visit_units` for a partial scan, from the project index; None when it cannot tell.

    Only what changed since the index was written is looked up (and parsed
    if need be); the related units of the rest come from the cache by the
    keys the index holds, what `context` kept of them when they are not
    focused. No other source becomes an object: the cost is a stat per
    directory and file of the project, then that of the units loaded.
    `walked`: the sources a walk found this run (`walked_sources`), when the
    index's own walk no longer stands (a file was added, say).
    """
    if walked is None:
        walked = project.walk()
    if walked is None or not project.loaded:
        return None
    from trustlint.graph.link_index import related as related_sources
    from trustlint.project_index import walked_ids

    cache = project.cache
    loading = _Loading(root, options, cache, visit, focus=True)
    changed: dict[str, _Slot] = {}
    try:
        ids = walked_ids(walked)
        unchanged = project.unchanged_sources(ids)
        with _no_collection():
            for position, source in enumerate(ids):
                if source not in unchanged:
                    _, module, path = walked[position]
                    slot = changed[source] = _Slot(Source(Path(path), source, module))
                    _look_up(slot, cache, root, loading.sharing, links=True)
        loading.parse([slot for slot in changed.values() if not slot.found])
        present = set(ids)
        try:
            project.mend_links({s: _links(slot) for s, slot in changed.items()}, present)
            index = project.links
            wanted = related_sources(index, focus, account_for_path)
            focused = index.touching(focus)
            if not wanted <= present or not _holds_own(index, focus, focused, present):
                raise ValueError("the link index does not agree with the sources' links")
        except (AttributeError, KeyError, TypeError, ValueError):
            # Whole (its checksum holds) but not of the shape written: the
            # normal way reads every source and writes the index afresh.
            _debug("ignoring a link index of the wrong shape")
            project.loaded = False
            return None
        if "logging" in sys.modules:  # `--debug` set it up; else importing it costs 9 ms
            _debug(
                "from the project index: %d sources, %d looked up, %d related to %s",
                len(walked),
                len(changed),
                len(wanted),
                ", ".join(sorted(focus)),
            )
        loaded = []
        for position, source in enumerate(ids):
            if source not in wanted:
                continue
            chosen = changed.get(source)
            if chosen is None:
                _, module, path = walked[position]
                chosen = _Slot(Source(Path(path), source, module))
                state = project.state(source)
                if state is not None:
                    chosen.adopt(state)
                else:  # not of the shape written: looked up, and kept afresh
                    project.adopted.discard(source)
                    changed[source] = chosen
                    _look_up(chosen, cache, root, loading.sharing, links=True)
            if source in focused:
                kept = loading.finish(chosen)
            else:
                kept = loading.finish_context(chosen, context)
            if kept is not None:
                loaded.append(kept)
        project.save(_project_states(list(changed.values()), cache, root, project), walked)
        return cast("list[tuple[SourceUnit, T]]", _roots(_without_nested_templates(loaded)))
    finally:
        cache.close()


def walked_sources(
    files: Sequence[Path], terraform_dirs: Sequence[Path], root: Path
) -> list[tuple[str, bool, str]]:
    """What `visit_project` takes of a discovery: each source's id, kind and absolute path."""
    relative = _Relative(root)
    walked = []
    for paths, module in ((files, False), (terraform_dirs, True)):
        for path in paths:
            absolute, source = relative(path)
            walked.append((source, module, os.fspath(absolute)))
    return walked


def _holds_own(
    index: LinkIndex, focus: Collection[str], focused: set[str], present: set[str]
) -> bool:
    """Whether the index's path map gives each focused file's own source (a file or its module).

    A check of the maps against the links they were made from, where losing
    a source would lose the findings the scan exists to report.
    """
    for target in focus:
        parts = target.split("/")
        for end in range(len(parts), 0, -1):
            source = "/".join(parts[:end])
            known = source in present and source in index.sources
            if known and source not in focused and touches(index.links(source).paths, focus):
                return False
    return True


def _project_states(
    slots: Sequence[_Slot], cache: ParseCache, root: Path, project: ProjectIndex
) -> Iterator[tuple[str, SourceState | None, Links | None]]:
    """Each source's state for the project index, and its links (None where not known)."""
    for slot in slots:
        yield slot.source.relative, _source_state(slot, cache, root, project), _links(slot)


def _links(slot: _Slot) -> Links | None:
    """The source's links if this run knows them (from its unit, record or worker)."""
    if slot.links_ is not None or slot.summary is not None or slot.unit is not None:
        return slot.links
    return None


def _source_state(
    slot: _Slot, cache: ParseCache, root: Path, project: ProjectIndex
) -> SourceState | None:
    """What the project index keeps of a source read the normal way this run; None: not settled."""
    from trustlint.project_index import SourceState

    source = slot.source
    if slot.key is None or slot.dependencies is None or not slot.cached:
        return None
    files: list[tuple[str, str]] = []
    directories = [os.fspath(source.path)] if source.module else []
    if source.module:
        names = _module_files(source.path)
        files += [(_join(source.relative, n), os.path.join(source.path, n)) for n in names]
    else:
        files.append((source.relative, os.fspath(source.path)))
    files += [(dep, os.path.join(root, dep)) for dep, _ in slot.dependencies]
    directories += [os.path.normpath(os.path.join(root, d)) for d, _ in slot.listings]
    checks = []
    for relative, path in files:
        signature = cache.signatures.get(relative)
        if signature is None:
            return None
        checks.append((path, signature))
    for directory in directories:
        signature = project.directory_signature(directory)
        if signature is None:
            return None
        checks.append((directory, signature))
    return SourceState.of(slot.key, slot.dependencies, slot.listings, checks)


def _without_nested_templates(loaded: list[tuple[SourceUnit, Any]]) -> list[tuple[SourceUnit, Any]]:
    """Without the templates another scanned template deploys as a nested stack.

    A nested template is read in its parent's unit, once per instance with the
    parameters the parent passes; read alone, its parameters would take their
    defaults, often placeholders every parent overrides. Two templates that
    nest each other are both kept.
    """
    nested: dict[str, set[str]] = {}
    for unit, _ in loaded:
        if unit.format == "cloudformation":
            for path in unit.paths:
                if path != unit.unit:
                    nested.setdefault(path, set()).add(unit.unit)
    if not nested:
        return loaded
    return [
        (unit, kept)
        for unit, kept in loaded
        if unit.format != "cloudformation"
        or not any(
            unit.unit not in nested.get(parent, set()) for parent in nested.get(unit.unit, ())
        )
    ]


def _roots(loaded: list[tuple[SourceUnit, Any]]) -> list[tuple[SourceUnit, Any]]:
    """Without the Terraform modules that a loaded module calls: they are read in each call."""
    if not any(unit.calls for unit, _ in loaded):
        return loaded
    from trustlint.frontends.terraform.module_calls import root_units

    return root_units(loaded, lambda item: item[0])


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while units are unpickled.

    Units are trees of immutable objects without cycles, so a collection
    finds nothing in them, but building hundreds of thousands of objects
    triggers many: unpickling the units of 1,000 files took 0.56-0.72 s
    with the collector running and 0.27 s without.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class _Relative:
    """`discover.project_path`, with a fast path for the usual case of a path under the root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = os.path.join(os.path.abspath(root), "")

    def __call__(self, path: Path) -> tuple[Path, str]:
        text = os.fspath(path)
        if not os.path.isabs(text) or "/." in text or "//" in text:
            text = os.path.abspath(text)
            path = Path(text)
        if text.startswith(self.prefix) and len(text) > len(self.prefix):
            relative = text[len(self.prefix) :]
            if os.sep != "/":
                relative = relative.replace(os.sep, "/")
            return path, relative
        return path, project_path(path, self.root)


def namespace(options: LoadOptions) -> str:
    """What, besides a source's path and bytes, decides the unit it gives."""
    return f"{code_stamp()}\0{options!r}"


# -- one source through the cache --------------------------------------------


@record(frozen=False)
class _Slot:
    """One source on its way through the loader.

    Once the source is known (`found`), it holds one of: an index `record`
    (valid, not unpickled yet), the whole `unit`, its pickled `payload`, or
    (after `visit`) what the visit kept, in `visited`.
    """

    source: Source
    key: str | None = None
    record: Record | None = None
    unit: SourceUnit | None = None
    loaded: bool = False
    """The source is parsed or its entry read: neither is needed again."""
    payload: bytes | None = None
    paths: tuple[str, ...] | None = None
    """The unit's paths (None: no unit), for the entry's dependencies."""
    summary: bytes | None = None
    """`Links.dump()` of the unit, when a worker sent it back."""
    links_: Links | None = field(default=None, repr=False)
    visited: tuple[SourceUnit, Any] | None = None
    reads: ReadLog | None = None
    """The hashes of the bytes the unit was parsed from (see `parsed_key`)."""
    dependencies: Dependencies | None = None
    listings: Listings = ()
    """What the unit read beyond its key (known once its entry or record is)."""
    cached: bool = False
    """The parse cache holds the unit under `key` (found there, or stored by this run)."""

    @property
    def found(self) -> bool:
        return self.loaded or self.record is not None

    @property
    def links(self) -> Links:
        if self.links_ is None:
            if self.summary is not None:
                self.links_ = Links.load(self.summary)
            else:
                self.links_ = unit_links(self.unit)
        return self.links_

    def adopt(self, state: SourceState) -> None:
        """Take the source as the project index knows it: its entry is in the cache, unread."""
        self.key = state.key
        self.record = Record(state.key, state.dependencies, state.listings, b"")
        self.dependencies, self.listings = state.dependencies, state.listings
        self.cached = True

    def set_unit(
        self, unit: SourceUnit | None, payload: bytes | None = None, reads: ReadLog | None = None
    ) -> None:
        self.unit = unit
        self.reads = reads
        self.payload = payload
        self.paths = unit.paths if unit is not None else None
        self.loaded = True


class _Loading:
    """One run of the loader: where units go once they exist."""

    def __init__(
        self,
        root: Path,
        options: LoadOptions,
        cache: ParseCache | None,
        visit: Visit[Any] | None,
        *,
        focus: bool,
    ) -> None:
        self.root = root
        self.options = options
        self.cache = cache
        self.visit = visit
        self.focus = focus
        """Only some units will be chosen, by their links, once all are loaded."""
        self.eager = visit is not None and not focus
        """Visit each unit as soon as it is loaded (a full scan), not once chosen."""
        self.sharing = Sharing()
        """What the units unpickled here share (they stay in memory to the end of the scan)."""
        self.keep_summaries = False
        """Keep each source's links summary (for the project index)."""

    def visit_early(self, slot: _Slot) -> None:
        if self.eager and slot.unit is not None:
            self._visit(slot)

    def _visit(self, slot: _Slot) -> None:
        assert self.visit is not None and slot.unit is not None
        slot.visited = self.visit(slot.unit)
        slot.unit = None

    def parse(self, slots: Sequence[_Slot]) -> None:
        """Parse the sources the cache did not have, here or in a pool."""
        workers = min(_usable_cores(), MAX_WORKERS)
        if len(slots) < PARALLEL_THRESHOLD or workers < 2:
            self.parse_here(slots)
            return
        if self.visit is None:
            record = self.cache is not None
            leftover = _parse_in_pool(slots, self.root, self.options, workers, record=record)
            undone = {id(slot) for slot in leftover}
            for slot in slots:
                if slot.loaded and id(slot) not in undone:
                    self._store(slot)
        else:
            leftover = self._visit_in_pool(slots, workers)
        self.parse_here(leftover)

    def parse_here(self, slots: Iterable[_Slot]) -> None:
        record = self.cache is not None
        if self.visit is None:
            slots = list(slots)
            _parse_here(slots, self.root, self.options, record=record)
            for slot in slots:
                self._store(slot)
            return
        for slot in slots:
            slot.set_unit(*_load_here(slot.source, self.root, self.options, record=record))
            self._store(slot)
            self.visit_early(slot)

    def _store(self, slot: _Slot) -> None:
        if self.cache is not None:
            _store(slot, self.cache, self.root)
        if slot.unit is not None or slot.visited is not None:
            slot.payload = None  # the unit (or what a visit kept) is here: drop its pickle
        if not self.focus and not self.keep_summaries:
            slot.summary = slot.links_ = None  # links serve the cache index and `related` only

    def _visit_in_pool(self, slots: Sequence[_Slot], workers: int) -> list[_Slot]:
        """Parse (and visit, in a full scan) in worker processes; returns the slots not done."""
        from concurrent.futures import ProcessPoolExecutor, as_completed

        work = _ChunkWork(
            self.visit if self.eager else None,
            whole=self.cache is not None or not self.eager,
            links=self.cache is not None or self.focus,
            record=self.cache is not None,
        )
        arguments = (self.root, self.options, work)
        leftover: list[_Slot] = []
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
                futures = {
                    pool.submit(visit_chunk, [s.source for s in chunk], *arguments): chunk
                    for chunk in _chunks(slots, workers)
                }
                # Take each chunk as it comes, so results do not pile up in this process.
                for future in as_completed(futures):
                    chunk = futures.pop(future)
                    try:
                        results = future.result()
                    except Exception as error:  # a worker died: BrokenProcessPool and the like
                        _debug("a parse worker failed (%s); parsing its chunk here", error)
                        leftover.extend(chunk)
                        continue
                    for slot, parsed in zip(chunk, results, strict=True):
                        if parsed is None or not self._take(slot, parsed):
                            leftover.append(slot)
        except Exception as error:  # no pool at all (no semaphores, fork refused): parse here
            _debug("cannot run a process pool (%s); parsing serially", error)
            return [slot for slot in slots if not slot.loaded]
        return leftover

    def _take(self, slot: _Slot, parsed: _Parsed) -> bool:
        """Take in what a worker sent back for one source; False if it cannot be used."""
        payload, slot.summary, paths, visited, slot.reads = parsed
        try:
            if visited is not None:
                with _no_collection():
                    slot.visited = load_model(visited, self.sharing)
        except Exception:
            return False
        slot.payload = payload
        slot.paths = paths
        slot.loaded = True
        self._store(slot)
        return True

    def finish(self, slot: _Slot) -> tuple[SourceUnit, Any] | None:
        """What is kept of a chosen source's unit (visited if there is a visit); None: no unit."""
        if slot.visited is not None:
            visited, slot.visited = slot.visited, None
            return visited
        unit = self._take_unit(slot)
        if unit is None:
            return None
        if self.visit is None:
            return unit, None
        return self.visit(unit)

    def finish_context(self, slot: _Slot, context: Visit[Any]) -> tuple[SourceUnit, Any] | None:
        """What `context` keeps of a chosen source's unit: from the cache when kept before."""
        cache = self.cache
        key = f"{slot.key}{_CONTEXT}" if cache is not None and slot.cached else None
        if cache is not None and key is not None:
            entry = cache.get(key)
            if entry is not None:
                with _no_collection(), contextlib.suppress(Exception):
                    kept: tuple[SourceUnit, Any] | None = load_model(entry.payload, self.sharing)
                    return kept
        unit = self._take_unit(slot)
        kept = None if unit is None else context(unit)
        if cache is not None and key is not None and slot.cached:
            with contextlib.suppress(Exception):
                cache.put(key, Entry(dump_model(kept)))
        return kept

    def _take_unit(self, slot: _Slot) -> SourceUnit | None:
        """The slot's unit, made if need be, and let go by the slot."""
        if slot.unit is None:
            with _no_collection():
                self._materialise(slot)
        unit, slot.unit = slot.unit, None
        return unit

    def _materialise(self, slot: _Slot) -> None:
        """Make the unit of a found source: unpickle its payload or cache entry, else parse it."""
        if slot.payload is not None:
            with contextlib.suppress(Exception):
                slot.unit = load_unit(slot.payload, self.sharing)
                slot.payload = None
                return
        if slot.loaded and slot.paths is None:
            return  # a file that holds no unit
        cache = self.cache
        entry = cache.get(slot.key) if cache is not None and slot.key is not None else None
        if entry is not None:
            with contextlib.suppress(Exception):
                slot.unit = entry.unit(self.sharing)
                return
        # Removed or damaged since the index was read (a concurrent prune).
        slot.cached = False
        record = cache is not None
        slot.set_unit(*_load_here(slot.source, self.root, self.options, record=record))
        self._store(slot)


def _look_up(slot: _Slot, cache: ParseCache, root: Path, sharing: Sharing, *, links: bool) -> None:
    """Find a source in the cache; `links`: its links are needed (to choose units by them)."""
    source = slot.source
    slot.key = source_key(source, cache)
    if slot.key is None:
        return
    record = cache.record(source.relative, slot.key)
    if record is not None and _still_valid(record.dependencies, record.listings, cache, root):
        try:
            if links:
                slot.links_ = Links.load(record.summary)
        except (TypeError, ValueError, EOFError):  # a damaged record: read the entry instead
            pass
        else:
            slot.record = record
            slot.summary = record.summary
            slot.dependencies, slot.listings = record.dependencies, record.listings
            slot.cached = True
            return
    entry = cache.get(slot.key)
    if entry is None or not _still_valid(entry.dependencies, entry.listings, cache, root):
        return
    try:
        slot.set_unit(entry.unit(sharing))
    except Exception:  # a damaged entry is a miss; this run rewrites it
        return
    slot.summary = slot.links.dump()
    slot.dependencies, slot.listings = entry.dependencies, entry.listings
    slot.cached = True
    cache.remember(
        source.relative, Record(slot.key, entry.dependencies, entry.listings, slot.summary)
    )


def source_key(source: Source, cache: ParseCache, reads: ReadLog | None = None) -> str | None:
    """The cache key of a source as it is now; None when it cannot be read.

    With `reads` (what a parse read, see `recording_reads`), a file the
    parse read is taken as it was read, not as it is now: the key of the
    bytes the unit was parsed from. None then also when a file changed
    between two of its reads.
    """
    if source.module:
        parts = []
        for name in _module_files(source.path):
            digest = _digest(source.path / name, _join(source.relative, name), cache, reads)
            if digest is None:
                return None
            parts.append(f"{name}={digest}")
        content = "\n".join(parts)
    else:
        digest = _digest(source.path, source.relative, cache, reads)
        if digest is None:
            return None
        content = digest
    kind = "module" if source.module else "file"
    key = _namespace_hash(cache.namespace).copy()
    # A name that is not UTF-8 comes as surrogateescape'd text: its own bytes.
    key.update(f"{kind}\0{source.relative}\0{content}".encode("utf-8", "surrogateescape"))
    return key.hexdigest()


def _digest(path: Path, relative: str, cache: ParseCache, reads: ReadLog | None) -> str | None:
    """The hash of a file as a parse read it (when it did), else as it is now."""
    if reads is not None:
        name = os.path.abspath(path)
        if name in reads:
            return reads[name]
    return cache.digest(path, relative)


@lru_cache(maxsize=4)
def _namespace_hash(namespace: str) -> hashlib._Hash:
    """The key hash fed with the namespace (long, the same for every source of a run)."""
    return hashlib.sha256(f"{namespace}\0".encode())


def _store(slot: _Slot, cache: ParseCache, root: Path) -> None:
    """Write a unit parsed in this run to the cache (and its record to the index)."""
    source = slot.source
    if slot.key is None or not cache.writable:
        return
    # The files may have changed before or while they were parsed: store the
    # unit only under the key of the bytes it was parsed from, and only if
    # that is the key looked up (else the key of no file as it is now).
    if source_key(source, cache, slot.reads) != slot.key:
        return
    dependencies, listings = _dependencies(source, slot.paths, cache, root, slot.reads)
    if dependencies is None:
        return
    if slot.payload is None:
        try:
            slot.payload = dump_unit(slot.unit)
        except Exception:  # something unpicklable in a unit: just do not cache it
            _debug("cannot cache %s", source.relative, exc_info=True)
            return
    cache.put(slot.key, Entry(slot.payload, dependencies, listings))
    slot.summary = slot.summary if slot.summary is not None else slot.links.dump()
    slot.dependencies, slot.listings = dependencies, listings
    slot.cached = cache.writable
    cache.remember(source.relative, Record(slot.key, dependencies, listings, slot.summary))


def _dependencies(
    source: Source,
    paths: tuple[str, ...] | None,
    cache: ParseCache,
    root: Path,
    reads: ReadLog | None = None,
) -> tuple[Dependencies | None, Listings]:
    """Files the unit was read from beyond its key, with their hashes and directories."""
    if paths is None:
        return (), ()
    if source.module:
        own = {_join(source.relative, name) for name in _module_files(source.path)}
    else:
        own = {source.relative}
    dependencies = []
    directories = set()
    for relative in sorted(set(paths) - own):
        digest = _digest(root / relative, relative, cache, reads)
        if digest is None:
            return None, ()
        dependencies.append((relative, digest))
        name = relative.rpartition("/")[2]
        if is_module_file(name) or name.endswith(TFVARS_SUFFIXES):
            directories.add(relative.rpartition("/")[0] or ".")
    listings = tuple(
        (directory, tuple(_module_files(root / directory))) for directory in sorted(directories)
    )
    return tuple(dependencies), listings


def _still_valid(
    dependencies: Dependencies, listings: Listings, cache: ParseCache, root: Path
) -> bool:
    for relative, digest in dependencies:
        if cache.digest(root / relative, relative) != digest:
            return False
    return all(tuple(_module_files(root / directory)) == names for directory, names in listings)


def _module_files(directory: Path) -> list[str]:
    """The module's own files and its variable files: what decides what it holds."""
    names = module_file_names(directory)
    try:
        with os.scandir(directory) as entries:
            names += [
                entry.name
                for entry in entries
                if entry.name.endswith(TFVARS_SUFFIXES) and entry.is_file()
            ]
    except OSError:
        return []
    return sorted(names)


def _join(directory: str, name: str) -> str:
    return name if directory == "." else f"{directory}/{name}"


# -- parsing, here or in a pool ----------------------------------------------


def _load_here(
    source: Source, root: Path, options: LoadOptions, *, record: bool
) -> tuple[SourceUnit | None, None, ReadLog | None]:
    """`set_unit`'s arguments for a source parsed in this process."""
    unit, reads = source.load_recording(root, options, record=record)
    return unit, None, reads


def _parse_here(slots: Iterable[_Slot], root: Path, options: LoadOptions, *, record: bool) -> None:
    for slot in slots:
        slot.set_unit(*_load_here(slot.source, root, options, record=record))


def _parse_in_pool(
    slots: Sequence[_Slot], root: Path, options: LoadOptions, workers: int, *, record: bool
) -> list[_Slot]:
    """Parse in worker processes; returns the slots they could not do."""
    from concurrent.futures import ProcessPoolExecutor

    chunks = _chunks(slots, workers)
    leftover: list[_Slot] = []
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
            futures: list[tuple[Future[list[tuple[bytes | None, ReadLog | None]]], list[_Slot]]] = [
                (
                    pool.submit(parse_chunk, [s.source for s in chunk], root, options, record),
                    chunk,
                )
                for chunk in chunks
            ]
            for future, chunk in futures:
                try:
                    payloads = future.result()
                except Exception as error:  # a worker died: BrokenProcessPool and the like
                    _debug("a parse worker failed (%s); parsing its chunk here", error)
                    leftover.extend(chunk)
                    continue
                with _no_collection():
                    for slot, (payload, reads) in zip(chunk, payloads, strict=True):
                        try:
                            if payload is None:
                                raise ValueError("unit could not be sent back")
                            slot.set_unit(load_unit(payload), payload, reads)
                        except Exception:
                            leftover.append(slot)
    except Exception as error:  # no pool at all (no semaphores, fork refused): parse here
        _debug("cannot run a process pool (%s); parsing serially", error)
        return [slot for slot in slots if not slot.loaded]
    return leftover


def parse_chunk(
    sources: Sequence[Source], root: Path, options: LoadOptions, record: bool = False
) -> list[tuple[bytes | None, ReadLog | None]]:
    """Worker side: each source's unit, pickled (None where it cannot be), and what it read."""
    payloads: list[tuple[bytes | None, ReadLog | None]] = []
    for source in sources:
        unit, reads = source.load_recording(root, options, record=record)
        try:
            payloads.append((dump_unit(unit), reads))
        except Exception:
            payloads.append((None, reads))
    return payloads


@record
class _ChunkWork:
    """What a worker does with each unit it parses besides sending back its links."""

    visit: Visit[Any] | None
    whole: bool
    """Send back the whole unit, pickled (for the cache, or to visit it later)."""
    links: bool
    """Send back the unit's links (for the cache index, or to choose units by them)."""
    record: bool = False
    """Send back the hashes of the bytes each unit was parsed from (for the cache)."""


_Parsed = tuple[bytes | None, bytes | None, tuple[str, ...] | None, bytes | None, ReadLog | None]
"""What a worker sends back for one source: the pickled unit and its links (if
asked), its paths (None: no unit), what the visit kept with its result, and
the hashes of what it read (when the cache is used)."""


def visit_chunk(
    sources: Sequence[Source], root: Path, options: LoadOptions, work: _ChunkWork
) -> list[_Parsed | None]:
    """Worker side of `visit_units`; None where something cannot be pickled."""
    results: list[_Parsed | None] = []
    for source in sources:
        unit, reads = source.load_recording(root, options, record=work.record)
        try:
            payload = dump_unit(unit) if work.whole else None
            visited = None
            if work.visit is not None and unit is not None:
                visited = dump_model(work.visit(unit))
            paths = unit.paths if unit is not None else None
            links = unit_links(unit).dump() if work.links else None
            results.append((payload, links, paths, visited, reads))
        except Exception:
            _debug("cannot send back %s", source.relative, exc_info=True)
            results.append(None)
    return results


def _chunks(slots: Sequence[_Slot], workers: int) -> list[list[_Slot]]:
    """Groups of sources of similar total size, largest first."""
    sized = sorted(((_size(slot.source), index) for index, slot in enumerate(slots)), reverse=True)
    total = sum(size for size, _ in sized)
    target = max(1, total // (workers * CHUNKS_PER_WORKER))
    chunks: list[list[_Slot]] = []
    current: list[_Slot] = []
    current_size = 0
    for size, index in sized:
        current.append(slots[index])
        current_size += size
        if current_size >= target or len(current) >= MAX_CHUNK_SOURCES:
            chunks.append(current)
            current, current_size = [], 0
    if current:
        chunks.append(current)
    return chunks


def _size(source: Source) -> int:
    try:
        if source.module:
            return sum(os.stat(source.path / name).st_size for name in _module_files(source.path))
        return os.stat(source.path).st_size
    except OSError:
        return 0


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _pool_context() -> Any:
    import multiprocessing

    # Forked workers start at once with every module already imported; other
    # platforms keep their default (spawn), fork being unsafe there.
    method = "fork" if sys.platform.startswith("linux") else None
    return multiprocessing.get_context(method)


def _debug(message: str, *args: object, exc_info: bool = False) -> None:
    # logging is imported only when something goes wrong: a warm run never needs it.
    import logging

    logging.getLogger(__name__).debug(message, *args, exc_info=exc_info)
