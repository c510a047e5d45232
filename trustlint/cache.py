"""The parse cache: loaded `SourceUnit`s kept between runs, addressed by content.

An entry is found by a key the caller derives from the trustlint version (and
a stamp of the installed code), the `LoadOptions`, the project-relative path
and the hash of the bytes read; `trustlint.loading` builds the keys. An entry
also records the files a unit read beyond its key (a Terraform module's
called modules and `file()` targets, a plan's `.tf` files) with their hashes,
and the listings of their directories, so that the caller can check them
before trusting the unit.

Layout of the cache directory (`config.default_cache_dir()`):

    units/<key>          one entry per unit: header, metadata, pickled unit
    index/<root-hash>    per project root: hashes of files by stat signature,
                         and per source the key and link summary last seen;
                         a BLAKE2 checksum of the whole is checked before use
    pruned               its mtime is when the size cap was last enforced

Safety. Every write goes to a temporary file in the same directory, then
`os.replace`, so a concurrent run sees the old entry or the new one, never a
mix. An entry carries a BLAKE2 checksum of its body; a truncated, corrupt or
foreign entry is ignored (and rewritten by this run), never an error; so is
a damaged index (the run starts afresh and writes a whole one). A cache
directory that cannot be created or written makes the run uncached, or
read-only, silently. The total size is capped: when a run has written
entries and either the last pruning is over an hour old or the run wrote
more than a tenth of the cap, the least recently used files (by mtime; a
hit refreshes an entry's mtime once a day) are removed down to 80% of
`MAX_CACHE_BYTES`.

Serialisation is pickle, because nothing else measured is as fast to load,
and loading is what a warm run does for every unit. Loading the 1,000 units
of the benchmark corpus (about 360,000 model objects; `trustlint.loading`
pauses the garbage collector meanwhile) took 0.48 s with the default
pickling of frozen slotted dataclasses, 0.24 s when each was rebuilt by
calling its class with its field values instead of the generic
`__setstate__` loop (as a `trustlint.records` record is; the reducer below
also writes equal strings once), and 0.43 s from marshal, the fastest
format that cannot name code, with the objects rebuilt in Python. Pickle can
run code named in the data, so it is used only under these conditions: the
cache directory is the user's own (created 0700; a directory owned by another
user, or one that others can write into, is refused with a warning and the
run is uncached: the cache never changes the permissions of a directory),
entries owned by someone else are ignored, and the
unpickler resolves only classes defined in `trustlint` modules, so an entry
can build model objects and nothing else.

A file's hash is remembered in the index with its stat signature (size,
mtime, ctime, inode), so an unchanged file is not read again: hashing every
file of a 1,000-file repository (32 MB) costs about 30 ms, its stats 2 ms.
As in git's index, a signature is trusted only for files last changed more
than `RACY_SECONDS` before they were hashed, since a change within the
filesystem's timestamp granularity could leave the signature unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import marshal
import os
import pickle
import stat
import struct
import sys
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

import trustlint
from trustlint.model import Location, SourceUnit, Value
from trustlint.records import field, record

CACHE_FORMAT = 5
"""Bump when the entry or index layout changes."""
MAX_CACHE_BYTES = 512 * 1024 * 1024
PRUNE_INTERVAL_SECONDS = 3600
TOUCH_AFTER_SECONDS = 24 * 3600
STALE_TEMPORARY_SECONDS = 3600
RACY_SECONDS = 2.0
"""A file changed this recently is hashed again on the next run."""

_MAGIC = b"TLC\x01"
_HEADER = struct.Struct("<4s16sI")
"""Magic, BLAKE2b-128 of everything after the header, length of the metadata."""
_INDEX_MAGIC = b"TLI\x01"
_INDEX_HEADER = struct.Struct("<4s16s")
"""Magic, BLAKE2b-128 of the marshalled index that follows."""
_TEMPORARY_PREFIX = ".tmp-"

StatSignature = tuple[int, int, int, int]
Dependencies = tuple[tuple[str, str], ...]
"""Project-relative file -> content hash, for files a unit read beyond its key."""
Listings = tuple[tuple[str, tuple[str, ...]], ...]
"""Project-relative directory -> the names in it a front-end would read."""


@record
class Entry:
    """A cached unit (None: the file is neither IaC nor a policy) and what else it read."""

    payload: bytes
    """The pickled unit; see `load_unit`."""
    dependencies: Dependencies = ()
    listings: Listings = ()

    def unit(self, sharing: Sharing | None = None) -> SourceUnit | None:
        return load_unit(self.payload, sharing)


@record(frozen=False)
class Record:
    """What the index remembers of one source: enough to skip its entry unless needed."""

    key: str
    dependencies: Dependencies
    listings: Listings
    summary: bytes
    """A summary of the unit, owned by the caller (`trustlint.loading`)."""

    def dump(self) -> tuple[str, Dependencies, Listings, bytes]:
        return (self.key, self.dependencies, self.listings, self.summary)


# -- serialisation -----------------------------------------------------------


class _UnitPickler(pickle.Pickler):
    def __init__(self, file: IO[bytes], protocol: int) -> None:
        super().__init__(file, protocol)
        self._strings: dict[str, str] = {}

    def reducer_override(self, obj: Any) -> Any:
        values = getattr(type(obj), "__record_values__", None)
        if values is None:
            return NotImplemented
        # Every model field is an __init__ argument, in declaration order.
        # Equal strings are written once (pickle writes an object once and
        # refers to it after): `Allow`, `sts:AssumeRole`, `aws` recur
        # throughout a unit, and the unpickled unit then shares them.
        strings = self._strings
        return (
            type(obj),
            tuple(
                strings.setdefault(value, value) if type(value) is str else value
                for value in values(obj)
            ),
        )


class Sharing:
    """Values that units unpickled in one run share, for units that stay in memory.

    Unpickling makes a new object for every number above 256 and every string
    of every unit: the line numbers of the locations of a large project, and
    the `Allow`, `sts:AssumeRole` and ARNs of its policies. Locations and
    values unpickled with a `Sharing` take one object per distinct number or
    string instead, which saves a scan of 10,000 files about a fifth of the
    memory its units take.
    """

    def __init__(self) -> None:
        self.numbers: dict[int, int] = {}
        self.strings: dict[str, str] = {}

    def builders(self) -> dict[type, Callable[..., Any]]:
        number = self.numbers.setdefault
        string = self.strings.setdefault

        def location(path: str, line: int, column: int, end_line: int, end_column: int) -> Location:
            return Location(
                path,
                number(line, line),
                number(column, column),
                number(end_line, end_line),
                number(end_column, end_column),
            )

        def value(text: Any, where: Location, raw_type: Any) -> Value:
            if type(text) is str:
                text = string(text, text)
            return Value(text, where, raw_type)

        return {Location: location, Value: value}


class _UnitUnpickler(pickle.Unpickler):
    def __init__(self, file: IO[bytes], sharing: Sharing | None = None) -> None:
        super().__init__(file)
        self._builders = sharing.builders() if sharing is not None else {}

    def find_class(self, module: str, name: str) -> Any:
        if module == "trustlint" or module.startswith("trustlint."):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return self._builders.get(found, found)
        raise pickle.UnpicklingError(f"refusing {module}.{name} in a cache entry")


def dump_model(value: Any) -> bytes:
    """Model objects (and builtin containers of them) pickled as `load_model` reads them."""
    buffer = io.BytesIO()
    _UnitPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def load_model(payload: bytes, sharing: Sharing | None = None) -> Any:
    """What `dump_model` wrote; only classes of `trustlint` modules are rebuilt."""
    return _UnitUnpickler(io.BytesIO(payload), sharing).load()


def dump_unit(unit: SourceUnit | None) -> bytes:
    return dump_model(unit)


def load_unit(payload: bytes, sharing: Sharing | None = None) -> SourceUnit | None:
    """The unit `dump_unit` wrote; raises on anything else (callers treat it as corrupt)."""
    unit = load_model(payload, sharing)
    if unit is not None and not isinstance(unit, SourceUnit):
        raise pickle.UnpicklingError("a cache entry holds something other than a unit")
    return unit


def _encode_entry(key: str, entry: Entry) -> bytes:
    metadata = marshal.dumps((CACHE_FORMAT, key, entry.dependencies, entry.listings))
    body = metadata + entry.payload
    checksum = hashlib.blake2b(body, digest_size=16).digest()
    return _HEADER.pack(_MAGIC, checksum, len(metadata)) + body


def _decode_entry(data: bytes, key: str) -> Entry | None:
    if len(data) < _HEADER.size:
        return None
    magic, checksum, metadata_length = _HEADER.unpack_from(data)
    body = memoryview(data)[_HEADER.size :]
    if magic != _MAGIC or hashlib.blake2b(body, digest_size=16).digest() != checksum:
        return None
    cache_format, stored_key, dependencies, listings = marshal.loads(body[:metadata_length])
    if cache_format != CACHE_FORMAT or stored_key != key:
        return None
    if not _well_formed(dependencies, listings):
        return None
    return Entry(bytes(body[metadata_length:]), dependencies, listings)


# -- identity of the code and options ----------------------------------------


@cache
def code_stamp() -> str:
    """The version plus the size and mtime of every module of the installed package.

    A release changes the version; an edited checkout changes a module's
    mtime. Either way, units parsed by other code are not reused.
    """
    package = Path(trustlint.__file__).parent
    parts = [trustlint.__version__, f"{sys.version_info[0]}.{sys.version_info[1]}"]
    for directory, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith(".py"):
                try:
                    info = os.stat(os.path.join(directory, name))
                except OSError:
                    continue
                relative = os.path.relpath(os.path.join(directory, name), package)
                parts.append(f"{relative}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def content_hash(path: Path) -> str | None:
    """SHA-256 of the file's bytes; None when it cannot be read."""
    try:
        with open(path, "rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return None


# -- the cache ----------------------------------------------------------------


@record(frozen=False)
class ParseCache:
    """The cache directory, opened for one run over one project root.

    Use `open_cache`; call `close` at the end of the run to save the index.
    """

    directory: Path
    namespace: str
    index_path: Path
    writable: bool = True
    memo: dict[str, tuple[int, int, int, int, str]] = field(default_factory=dict)
    """Project-relative path -> (size, mtime_ns, ctime_ns, inode, content hash)."""
    records: dict[str, Record] = field(default_factory=dict)
    """Source id (project-relative file or module directory) -> record."""
    index_dirty: bool = False
    indexed: bool = True
    """The index was read (and is written back). A run that knows its sources
    from the project index (`trustlint.project_index`) opens the cache without
    it: hashes are then taken afresh and records neither read nor written."""
    signatures: dict[str, StatSignature] = field(default_factory=dict)
    """Project-relative path -> the stat signature its hash in this run belongs to
    (files changed too recently to trust a signature are left out)."""
    wrote_entries: bool = False
    written_bytes: int = 0
    """What this run wrote to entries: past a tenth of the cap, the cap is enforced at once."""

    @property
    def units_directory(self) -> Path:
        return self.directory / "units"

    # -- hashing

    def digest(self, path: Path, relative: str) -> str | None:
        """The content hash of `path`, from the index when its stat is unchanged."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        signature = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        known = self.memo.get(relative)
        if known is not None and known[:4] == signature:
            self.signatures[relative] = signature
            return known[4]
        digest = content_hash(path)
        if digest is None:
            return None
        if settled(signature):
            self.signatures[relative] = signature
            if self.indexed:
                self.memo[relative] = (*signature, digest)
                self.index_dirty = True
        elif relative in self.memo:
            del self.memo[relative]
            self.index_dirty = True
        return digest

    # -- index records

    def record(self, source: str, key: str) -> Record | None:
        record = self.records.get(source)
        return record if record is not None and record.key == key else None

    def remember(self, source: str, record: Record) -> None:
        if self.indexed and self.records.get(source) != record:
            self.records[source] = record
            self.index_dirty = True

    # -- entries

    def get(self, key: str) -> Entry | None:
        """The entry stored under `key`; None when absent, corrupt or not ours."""
        path = self.units_directory / key
        try:
            with open(path, "rb") as stream:
                info = os.fstat(stream.fileno())
                if not _owned_by_us(info):
                    return None
                data = stream.read()
        except OSError:
            return None
        try:
            entry = _decode_entry(data, key)
        except Exception:  # marshal raises several types on damaged data
            entry = None
        if entry is None:
            _debug("ignoring a damaged cache entry %s", path)
            return None
        if self.writable and time.time() - info.st_mtime > TOUCH_AFTER_SECONDS:
            with contextlib.suppress(OSError):
                os.utime(path)
        return entry

    def put(self, key: str, entry: Entry) -> None:
        if not self.writable:
            return
        data = _encode_entry(key, entry)
        try:
            self._write(self.units_directory, key, data)
        except OSError as error:
            _debug("cache is not writable (%s); continuing without storing", error)
            self.writable = False
            return
        self.wrote_entries = True
        self.written_bytes += len(data)

    # -- other files of the project root (see `trustlint.project_index`)

    def read_companion(self, suffix: str, offset: int = 0, size: int = -1) -> bytes | None:
        """The bytes of the root's file `<index>-<suffix>` (`size` of them from
        `offset`, or all); None when absent or not ours."""
        try:
            with open(f"{self.index_path}-{suffix}", "rb") as stream:
                if not _owned_by_us(os.fstat(stream.fileno())):
                    return None
                if offset:
                    stream.seek(offset)
                return stream.read(size)
        except OSError:
            return None

    def write_companion(self, suffix: str, data: bytes) -> None:
        """Replace the root's file `<index>-<suffix>` whole; never raises."""
        if not self.writable:
            return
        try:
            self._write(self.index_path.parent, f"{self.index_path.name}-{suffix}", data)
        except OSError as error:
            _debug("cannot update the cache: %s", error)

    # -- end of run

    def close(self) -> None:
        """Save the index and keep the directory under its size cap. Never raises."""
        if not self.writable:
            return
        try:
            if self.index_dirty and self.indexed:
                index = {
                    "format": CACHE_FORMAT,
                    "namespace": self.namespace,
                    "memo": self.memo,
                    "records": {source: r.dump() for source, r in self.records.items()},
                }
                self._write(self.index_path.parent, self.index_path.name, _encode_index(index))
            if self.wrote_entries or self.index_dirty:
                self._prune_if_due()
        except OSError as error:
            _debug("cannot update the cache: %s", error)

    def _write(self, directory: Path, name: str, data: bytes) -> None:
        directory.mkdir(mode=0o700, exist_ok=True)
        # As `tempfile.mkstemp` makes it (a new name, private to the user), without
        # importing `tempfile`, `shutil` and `random` on every run that writes.
        temporary = directory / f"{_TEMPORARY_PREFIX}{os.urandom(8).hex()}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        descriptor = os.open(temporary, flags, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
            os.replace(temporary, directory / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def _prune_if_due(self) -> None:
        marker = self.directory / "pruned"
        try:
            recent = time.time() - marker.stat().st_mtime < PRUNE_INTERVAL_SECONDS
            if recent and self.written_bytes <= MAX_CACHE_BYTES // 10:
                return
        except OSError:
            pass
        marker.touch()
        prune(self.directory, MAX_CACHE_BYTES)

    def _load_index(self) -> None:
        try:
            with open(self.index_path, "rb") as stream:
                if not _owned_by_us(os.fstat(stream.fileno())):
                    return
                data = stream.read()
        except OSError:  # absent or unreadable: start afresh
            return
        try:
            index = _decode_index(data)
            if index["format"] != CACHE_FORMAT or index["namespace"] != self.namespace:
                return
            memo = index["memo"]
            records = {
                source: Record(key, dependencies, listings, summary)
                for source, (key, dependencies, listings, summary) in index["records"].items()
            }
            _check_index(memo, records)
        except Exception:  # damaged: start afresh, and write a whole index at the end
            _debug("ignoring a damaged cache index %s", self.index_path)
            self.index_dirty = True
            return
        self.memo = memo
        self.records = records


def _encode_index(index: dict[str, Any]) -> bytes:
    body = marshal.dumps(index)
    return _INDEX_HEADER.pack(_INDEX_MAGIC, hashlib.blake2b(body, digest_size=16).digest()) + body


def _decode_index(data: bytes) -> Any:
    """The index `_encode_index` wrote; raises when it is not whole (checked as a whole)."""
    magic, checksum = _INDEX_HEADER.unpack_from(data)
    body = memoryview(data)[_INDEX_HEADER.size :]
    if magic != _INDEX_MAGIC or hashlib.blake2b(body, digest_size=16).digest() != checksum:
        raise ValueError("the cache index is damaged")
    return marshal.loads(body)


def _check_index(memo: Any, records: dict[Any, Record]) -> None:
    """Raise unless the index has the shape this code wrote (a checksum proves only wholeness)."""
    if not isinstance(memo, dict):
        raise TypeError("memo")
    for relative, known in memo.items():
        if not (isinstance(relative, str) and isinstance(known, tuple) and len(known) == 5):
            raise TypeError("memo entry")
        if not isinstance(known[4], str) or not all(type(part) is int for part in known[:4]):
            raise TypeError("memo entry")
    for source, entry in records.items():
        if not (
            isinstance(source, str)
            and isinstance(entry.key, str)
            and _well_formed(entry.dependencies, entry.listings)
            and isinstance(entry.summary, bytes)
        ):
            raise TypeError("record")


def _well_formed(dependencies: Any, listings: Any) -> bool:
    """Whether `Dependencies` and `Listings` read back have the shape this code writes."""
    return (
        type(dependencies) is tuple
        and all(
            type(pair) is tuple and len(pair) == 2 and all(type(part) is str for part in pair)
            for pair in dependencies
        )
        and type(listings) is tuple
        and all(
            type(listing) is tuple
            and len(listing) == 2
            and type(listing[0]) is str
            and type(listing[1]) is tuple
            and all(type(name) is str for name in listing[1])
            for listing in listings
        )
    )


def open_cache(
    directory: Path | None, root: Path, namespace: str, *, index: bool = True
) -> ParseCache | None:
    """The cache for a run over `root`; None when it is disabled or cannot be used.

    `namespace` identifies everything besides a file's path and bytes that
    decides what parsing it gives (version, options); the caller builds it.
    `index` False: do not read the index (see `ParseCache.indexed`).
    """
    if directory is None:
        return None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError:
        return None
    if not _private(directory, info):
        _warn_once(
            f"trustlint: not using the cache directory {directory}: it must belong to you "
            "and not be writable by others; running uncached\n"
        )
        return None
    opened = ParseCache(directory, namespace, directory / "index" / root_id(root, namespace))
    opened.writable = _can_write(directory)
    opened.indexed = index
    if index:
        opened._load_index()
    return opened


def root_id(root: Path, namespace: str) -> str:
    """The name of a project root's index files: one per root and namespace."""
    return hashlib.sha256(f"{namespace}\0{os.path.abspath(root)}".encode()).hexdigest()[:32]


def settled(signature: StatSignature) -> bool:
    """Whether a file last changed long enough ago for its stat signature to stand for its bytes."""
    return time.time_ns() - max(signature[1], signature[2]) > RACY_SECONDS * 1e9


def prune(directory: Path, limit: int = MAX_CACHE_BYTES) -> None:
    """Remove least recently used entries and indexes until the cache is under 80% of `limit`."""
    now = time.time()
    files: list[tuple[float, int, str]] = []
    for path, info in _cache_files(directory):
        if os.path.basename(path).startswith(_TEMPORARY_PREFIX):
            # Left by a run that was killed mid-write.
            if now - info.st_mtime > STALE_TEMPORARY_SECONDS:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            continue
        files.append((info.st_mtime, info.st_size, path))
    total = sum(size for _, size, _ in files)
    if total <= limit:
        return
    target = limit * 0.8
    for _, size, path in sorted(files):
        if total <= target:
            break
        with contextlib.suppress(OSError):
            os.unlink(path)
            total -= size


def _cache_files(directory: Path) -> Iterator[tuple[str, os.stat_result]]:
    for sub in ("units", "index"):
        try:
            with os.scandir(directory / sub) as entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        if entry.is_file(follow_symlinks=False):
                            yield entry.path, entry.stat(follow_symlinks=False)
        except OSError:
            continue


def _owned_by_us(info: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def _private(directory: Path, info: os.stat_result) -> bool:
    """Ours, a real directory, and not writable by group or others (nor its subdirectories).

    The cache never changes the permissions of a directory: one it creates
    is 0700, and one that others can write into (a shared `/tmp/x` left
    1777, say) is refused rather than closed, since its owner chose them.
    """
    if not stat.S_ISDIR(info.st_mode) or not _owned_by_us(info):
        return False
    if not hasattr(os, "getuid"):
        return True
    for sub in (None, "units", "index"):
        try:
            mode = info.st_mode if sub is None else os.lstat(directory / sub).st_mode
        except OSError:
            continue  # absent: made 0700 when needed
        if mode & 0o022 or (sub is not None and not stat.S_ISDIR(mode)):
            return False
    return True


def _can_write(directory: Path) -> bool:
    try:
        for sub in ("units", "index"):
            (directory / sub).mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return False
    return os.access(directory / "units", os.W_OK)


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        sys.stderr.write(message)


def _debug(message: str, *args: object, exc_info: bool = False) -> None:
    # logging is imported only when something goes wrong: a warm run never needs it.
    import logging

    logging.getLogger(__name__).debug(message, *args, exc_info=exc_info)
