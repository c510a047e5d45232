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
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import translate
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustlint.cache import (
    Dependencies,
    Entry,
    Listings,
    ParseCache,
    Record,
    code_stamp,
    dump_unit,
    load_unit,
    open_cache,
)
from trustlint.discover import project_path
from trustlint.frontends import LoadOptions
from trustlint.model import PolicyDocument, SourceUnit, Text, Value

if TYPE_CHECKING:
    from concurrent.futures import Future


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

AccountForPath = Callable[[str], "str | None"]
"""The config's `accounts.paths` lookup: which account a project-relative path deploys into."""

_MODULE_FILE_SUFFIXES = (".tf", ".tfvars", ".tf.json", ".tfvars.json")
"""Names in a module directory that decide what the module holds."""


@dataclass(frozen=True, slots=True)
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
    relative = _Relative(root)
    sources = [Source(*relative(f), module=False) for f in files]
    sources += [Source(*relative(d), module=True) for d in terraform_dirs]
    slots = [_Slot(source) for source in sources]
    cache = open_cache(cache_dir, root, namespace(options)) if cache_dir is not None else None
    try:
        if cache is not None:
            with _no_collection():
                for slot in slots:
                    _look_up(slot, cache, root)
        _parse([slot for slot in slots if not slot.found], root, options)
        for slot in slots:
            if cache is not None and slot.parsed:
                _store(slot, cache, root)
            slot.payload = None  # the units stay; their pickles are not needed any more
        chosen: Iterable[_Slot] = slots
        if focus is not None:
            indexes = related([slot.links for slot in slots], focus, account_for_path)
            chosen = [slots[index] for index in indexes]
        with _no_collection():
            return [unit for slot in chosen if (unit := slot.materialise(cache, root, options))]
    finally:
        if cache is not None:
            cache.close()


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


@dataclass(slots=True)
class _Slot:
    source: Source
    key: str | None = None
    record: Record | None = None
    """Set on an index hit: the unit is known valid but not unpickled yet."""
    unit: SourceUnit | None = None
    loaded: bool = False
    parsed: bool = False
    payload: bytes | None = None
    links_: Links | None = field(default=None, repr=False)

    @property
    def found(self) -> bool:
        return self.loaded or self.record is not None

    @property
    def links(self) -> Links:
        if self.links_ is None:
            self.links_ = unit_links(self.unit)
        return self.links_

    def set_unit(self, unit: SourceUnit | None, payload: bytes | None = None) -> None:
        self.unit = unit
        self.payload = payload
        self.loaded = True

    def materialise(
        self, cache: ParseCache | None, root: Path, options: LoadOptions
    ) -> SourceUnit | None:
        """The unit, unpickling it from its entry when only the index was read."""
        if self.loaded:
            return self.unit
        entry = cache.get(self.key) if cache is not None and self.key is not None else None
        if entry is not None:
            with contextlib.suppress(Exception):
                self.set_unit(entry.unit())
                return self.unit
        # Removed or damaged since the index was read (a concurrent prune).
        self.set_unit(self.source.load(root, options))
        self.parsed = True
        if cache is not None:
            _store(self, cache, root)
        return self.unit


def _look_up(slot: _Slot, cache: ParseCache, root: Path) -> None:
    source = slot.source
    slot.key = source_key(source, cache)
    if slot.key is None:
        return
    record = cache.record(source.relative, slot.key)
    if record is not None and _still_valid(record.dependencies, record.listings, cache, root):
        try:
            slot.links_ = Links.load(record.summary)
        except (TypeError, ValueError):  # a damaged index record: read the entry instead
            pass
        else:
            slot.record = record
            return
    entry = cache.get(slot.key)
    if entry is None or not _still_valid(entry.dependencies, entry.listings, cache, root):
        return
    try:
        slot.set_unit(entry.unit())
    except Exception:  # a damaged entry is a miss; this run rewrites it
        return
    cache.remember(
        source.relative,
        Record(slot.key, entry.dependencies, entry.listings, slot.links.dump()),
    )


def source_key(source: Source, cache: ParseCache) -> str | None:
    """The cache key of a source as it is now; None when it cannot be read."""
    if source.module:
        parts = []
        for name in _module_files(source.path):
            digest = cache.digest(source.path / name, _join(source.relative, name))
            if digest is None:
                return None
            parts.append(f"{name}={digest}")
        content = "\n".join(parts)
    else:
        digest = cache.digest(source.path, source.relative)
        if digest is None:
            return None
        content = digest
    kind = "module" if source.module else "file"
    text = f"{cache.namespace}\0{kind}\0{source.relative}\0{content}"
    return hashlib.sha256(text.encode()).hexdigest()


def _store(slot: _Slot, cache: ParseCache, root: Path) -> None:
    source = slot.source
    if slot.key is None or not cache.writable:
        return
    # The files may have changed while they were parsed: store only if not.
    if source_key(source, cache) != slot.key:
        return
    dependencies, listings = _dependencies(source, slot.unit, cache, root)
    if dependencies is None:
        return
    if slot.payload is None:
        try:
            slot.payload = dump_unit(slot.unit)
        except Exception:  # something unpicklable in a unit: just do not cache it
            _debug("cannot cache %s", source.relative, exc_info=True)
            return
    cache.put(slot.key, Entry(slot.payload, dependencies, listings))
    cache.remember(source.relative, Record(slot.key, dependencies, listings, slot.links.dump()))


def _dependencies(
    source: Source, unit: SourceUnit | None, cache: ParseCache, root: Path
) -> tuple[Dependencies | None, Listings]:
    """Files the unit was read from beyond its key, with their hashes and directories."""
    if unit is None:
        return (), ()
    if source.module:
        own = {_join(source.relative, name) for name in _module_files(source.path)}
    else:
        own = {source.relative}
    dependencies = []
    directories = set()
    for relative in sorted(set(unit.paths) - own):
        digest = cache.digest(root / relative, relative)
        if digest is None:
            return None, ()
        dependencies.append((relative, digest))
        if relative.endswith(_MODULE_FILE_SUFFIXES):
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
    try:
        with os.scandir(directory) as entries:
            return sorted(
                entry.name
                for entry in entries
                if entry.name.endswith(_MODULE_FILE_SUFFIXES) and entry.is_file()
            )
    except OSError:
        return []


def _join(directory: str, name: str) -> str:
    return name if directory == "." else f"{directory}/{name}"


# -- parsing, here or in a pool ----------------------------------------------


def _parse(slots: Sequence[_Slot], root: Path, options: LoadOptions) -> None:
    workers = min(_usable_cores(), MAX_WORKERS)
    if len(slots) < PARALLEL_THRESHOLD or workers < 2:
        _parse_here(slots, root, options)
        return
    leftover = _parse_in_pool(slots, root, options, workers)
    _parse_here(leftover, root, options)


def _parse_here(slots: Iterable[_Slot], root: Path, options: LoadOptions) -> None:
    for slot in slots:
        slot.set_unit(slot.source.load(root, options))
        slot.parsed = True


def _parse_in_pool(
    slots: Sequence[_Slot], root: Path, options: LoadOptions, workers: int
) -> list[_Slot]:
    """Parse in worker processes; returns the slots they could not do."""
    from concurrent.futures import ProcessPoolExecutor

    chunks = _chunks(slots, workers)
    leftover: list[_Slot] = []
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
            futures: list[tuple[Future[list[bytes | None]], list[_Slot]]] = [
                (pool.submit(parse_chunk, [s.source for s in chunk], root, options), chunk)
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
                    for slot, payload in zip(chunk, payloads, strict=True):
                        try:
                            if payload is None:
                                raise ValueError("unit could not be sent back")
                            slot.set_unit(load_unit(payload), payload)
                            slot.parsed = True
                        except Exception:
                            leftover.append(slot)
    except Exception as error:  # no pool at all (no semaphores, fork refused): parse here
        _debug("cannot run a process pool (%s); parsing serially", error)
        done = {id(slot) for slot in slots if slot.parsed}
        return [slot for slot in slots if id(slot) not in done]
    return leftover


def parse_chunk(sources: Sequence[Source], root: Path, options: LoadOptions) -> list[bytes | None]:
    """Worker side: each source's unit, pickled; None where a unit cannot be pickled."""
    payloads: list[bytes | None] = []
    for source in sources:
        unit = source.load(root, options)
        try:
            payloads.append(dump_unit(unit))
        except Exception:
            payloads.append(None)
    return payloads


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


# -- which units bear on a partial scan --------------------------------------


@dataclass(frozen=True, slots=True)
class Links:
    """What ties a unit to others in the trust graph.

    Names are IAM entities as `kind:name` in lower case (`role:deploy`,
    `user:alice`, `group:admins`, `policy:assume-deploy`): those the unit
    defines, and those it mentions where the graph joins units (a trust
    principal, a grant's resource, an attachment's target, a group member, a
    managed policy). Names chosen at deploy time are left out: the graph
    scopes them to their unit. `patterns` are names written with wildcards
    (`role:app-*`; `*:*` for `Resource: "*"`).
    """

    unit: str = ""
    paths: tuple[str, ...] = ()
    defines: frozenset[str] = frozenset()
    mentions: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()
    """Roles and users an attachment or a group membership names: principals that
    hold what the unit gives them."""
    patterns: tuple[str, ...] = ()
    accounts: frozenset[str] = frozenset()
    """Literal accounts the unit, or an entity it defines, is stated to be in."""
    trusted_accounts: frozenset[str] = frozenset()
    """Literal accounts whose root (or bare id) a trust policy of the unit admits."""
    stated: bool = False
    """Whether the source states the unit's account (else config or nothing decides)."""
    universal: bool = False
    """Holds what applies across units: organization policies (SCPs, RCPs), or an
    attachment whose target is unknown, which any principal may hold."""
    names: frozenset[str] = field(init=False, repr=False, compare=False)
    """Every name above."""
    followable: frozenset[str] = field(init=False, repr=False, compare=False)
    """The names that are not roles."""

    def __post_init__(self) -> None:
        names = self.defines | self.mentions | self.targets
        object.__setattr__(self, "names", names)
        followable = frozenset(name for name in names if not name.startswith("role:"))
        object.__setattr__(self, "followable", followable)

    def dump(self) -> tuple[Any, ...]:
        return (
            self.unit,
            self.paths,
            tuple(sorted(self.defines)),
            tuple(sorted(self.mentions)),
            tuple(sorted(self.targets)),
            self.patterns,
            tuple(sorted(self.accounts)),
            tuple(sorted(self.trusted_accounts)),
            self.stated,
            self.universal,
        )

    @classmethod
    def load(cls, data: Any) -> Links:
        unit, paths, defines, mentions, targets, patterns, accounts, trusted, stated, universal = (
            data
        )
        return cls(
            str(unit),
            tuple(paths),
            frozenset(defines),
            frozenset(mentions),
            frozenset(targets),
            tuple(patterns),
            frozenset(accounts),
            frozenset(trusted),
            bool(stated),
            bool(universal),
        )


def related(
    links: Sequence[Links],
    focus: Collection[str],
    account_for_path: AccountForPath | None = None,
) -> list[int]:
    """Indexes of the units a scan reporting on `focus` must load, in order.

    A finding located in a focused file comes from a unit holding that file
    (a focused unit). Single-unit rules need nothing else; the cross-file
    rules (TL004, TL005) read the trust graph, which joins units by IAM name
    and account only, and only names some unit defines. So these are kept:

    1. the focused units, and the units holding organization policies or an
       attachment to an unknown target (they bear on every principal);
    2. every unit that defines, mentions or targets a name the focused units
       define, mention or target, or that their wildcards match (the roles
       their grants name and their trusts admit, the principals holding
       their policies; `Resource: "*"` keeps every unit);
    3. then, transitively over every unit kept: the units sharing a user,
       group or managed policy name with it (what a principal holds, through
       groups, attachments and managed policies), and the units defining a
       role or user that an attachment or membership in it targets. Role
       names are not followed further: a role two steps away cannot change a
       finding in the focused files;
    4. for a focused trust of an account root: when some unit is in that
       account, every unit that may be (in it, or with no account stated or
       configured), since TL005 then asks whether any principal of that
       account in the scanned set may assume the role.

    `tests/cli/test_partial_scan.py` checks this against full scans of a
    generated corpus; a change to how the graph joins units must keep it true.
    """
    chosen = [i for i, link in enumerate(links) if touches(link.paths, focus)]
    if not chosen:
        return []
    focused_patterns = {pattern for i in chosen for pattern in links[i].patterns}
    if "*:*" in focused_patterns:
        return list(range(len(links)))
    defined: set[str] = set().union(*(link.defines for link in links))
    selected = set(chosen)
    selected.update(i for i, link in enumerate(links) if link.universal)
    wanted: set[str] = set().union(*(links[i].names for i in chosen))
    if focused_patterns:
        matcher = _matcher(focused_patterns)
        wanted.update(name for name in defined if matcher.match(name))
    wanted &= defined
    selected.update(i for i, link in enumerate(links) if not link.names.isdisjoint(wanted))
    trusted = set().union(*(links[i].trusted_accounts for i in chosen))
    if trusted:
        selected.update(_maybe_in_accounts(links, trusted, account_for_path))
    followed = {name for name in wanted if not name.startswith("role:")}
    targeted: set[str] = set()
    fresh = selected
    while fresh:
        # Users, groups and policies are followed to every unit naming them;
        # targets of attachments and memberships to the units defining them.
        names = set().union(*(links[i].followable for i in fresh)) & defined
        names -= followed
        targets = set().union(*(links[i].targets for i in fresh)) & defined
        targets -= targeted
        followed |= names
        targeted |= targets
        fresh = {
            index
            for index, link in enumerate(links)
            if index not in selected
            and (not link.names.isdisjoint(names) or not link.defines.isdisjoint(targets))
        }
        selected |= fresh
    return sorted(selected)


def _maybe_in_accounts(
    links: Sequence[Links], accounts: set[str], account_for_path: AccountForPath | None
) -> list[int]:
    """Units that may be in one of `accounts`, if any unit certainly is; else none."""
    configured = [_configured_account(link, account_for_path) for link in links]
    present = {
        account
        for link, config in zip(links, configured, strict=True)
        for account in (*link.accounts, *([config] if config else []))
        if account in accounts
    }
    if not present:
        return []
    return [
        index
        for index, (link, config) in enumerate(zip(links, configured, strict=True))
        if link.accounts & present or (not link.stated and config in (None, *present))
    ]


def _configured_account(link: Links, account_for_path: AccountForPath | None) -> str | None:
    if link.stated or account_for_path is None:
        return None
    for path in (link.unit, *link.paths):
        account = account_for_path(path)
        if account is not None:
            return account
    return None


@lru_cache(maxsize=4096)
def _matcher_for(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(translate(pattern) for pattern in patterns))


def _matcher(patterns: Iterable[str]) -> re.Pattern[str]:
    return _matcher_for(tuple(sorted(patterns)))


def touches(paths: Iterable[str], focus: Collection[str]) -> bool:
    """Whether any of `paths` is one of `focus` or lies under one of them."""
    for path in paths:
        for target in focus:
            if target in (".", path) or path.startswith(target + "/"):
                return True
    return False


_ASSUME_ACTIONS = (
    "sts:assumerole",
    "sts:assumerolewithwebidentity",
    "sts:assumerolewithsaml",
    "sts:tagsession",
    "sts:setsourceidentity",
)
_WILDCARDS = re.compile(r"[*?]")
_ACCOUNT_ID = re.compile(r"\d{12}")


def unit_links(unit: SourceUnit | None) -> Links:
    """The `Links` of a unit: see `related` for how they are used."""
    if unit is None:
        return Links()
    found = _Names()
    for role in unit.roles:
        found.define("role", role.name, role.arn, role.account)
        found.trust(role.trust_policy)
        found.policies(*role.inline_policies)
        found.arns(*role.managed_policy_arns, role.permissions_boundary)
    for user in unit.users:
        found.define("user", user.name, user.arn, user.account)
        found.policies(*user.inline_policies)
        found.arns(*user.managed_policy_arns, user.permissions_boundary)
        for group_name in user.groups:
            found.named("group", group_name)
    for group in unit.groups:
        found.define("group", group.name, group.arn, group.account)
        found.policies(*group.inline_policies)
        found.arns(*group.managed_policy_arns)
    for policy in unit.managed_policies:
        found.define("policy", policy.name, policy.arn, policy.account)
        found.policies(policy.document)
    universal = bool(unit.organization_policies)
    for attachment in unit.attachments:
        universal = universal or attachment.target.text is None
        found.named(attachment.target_kind, attachment.target, target=True)
        found.arns(attachment.policy_arn)
        found.policies(attachment.document)
    for membership in unit.memberships:
        found.named("group", membership.group)
        for member in membership.users:
            found.named("user", member, target=True)
    for permission_set in unit.permission_sets:
        found.policies(permission_set.inline_policy)
    for organization_policy in unit.organization_policies:
        found.policies(organization_policy.document)
    for document in unit.documents:
        found.trust(document)
        found.policies(document)
    if isinstance(unit.account, str) and _ACCOUNT_ID.fullmatch(unit.account):
        found.accounts.add(unit.account)
    return Links(
        unit=unit.unit,
        paths=tuple(unit.paths),
        defines=frozenset(found.defines),
        mentions=frozenset(found.mentions - found.defines),
        targets=frozenset(found.targets),
        patterns=tuple(sorted(found.patterns)),
        accounts=frozenset(found.accounts),
        trusted_accounts=frozenset(found.trusted_accounts),
        stated=unit.account is not None,
        universal=universal,
    )


class _Names:
    def __init__(self) -> None:
        self.defines: set[str] = set()
        self.mentions: set[str] = set()
        self.targets: set[str] = set()
        self.patterns: set[str] = set()
        self.accounts: set[str] = set()
        self.trusted_accounts: set[str] = set()

    def mention(self, token: str | None) -> None:
        if token is None or _scoped(token):
            return
        if _WILDCARDS.search(token):
            self.patterns.add(token)
        else:
            self.mentions.add(token)

    def define(self, kind: str, name: Value, arn: Text | None, account: Text | None) -> None:
        if name.text and not _scoped(name.text):
            self.defines.add(f"{kind}:{name.text.lower()}")
        if isinstance(arn, str):
            token = _arn_token(arn)
            if token is not None and not _scoped(token):
                self.defines.add(token)
            arn_account = arn.split(":")[4] if arn.count(":") >= 5 else ""
            if _ACCOUNT_ID.fullmatch(arn_account):
                self.accounts.add(arn_account)
        if isinstance(account, str) and _ACCOUNT_ID.fullmatch(account):
            self.accounts.add(account)

    def named(self, kind: str, value: Value, *, target: bool = False) -> None:
        """A name as written in an attachment or membership (an ARN is accepted too)."""
        text = value.text
        if not text:
            return
        token = _arn_token(text) if text.lower().startswith("arn:") else f"{kind}:{text.lower()}"
        self.mention(token)
        if target and token is not None and token in self.mentions:
            self.targets.add(token)

    def arns(self, *values: Value | None) -> None:
        for value in values:
            if value is not None and value.text:
                self.mention(_arn_token(value.text))

    def trust(self, document: PolicyDocument | None) -> None:
        """The principals a trust policy names: roles and users, and account roots."""
        if document is None:
            return
        for statement in document.statements:
            for principal in (*statement.principals, *statement.not_principals):
                text = principal.value
                if principal.kind != "aws" or not isinstance(text, str):
                    continue
                if _ACCOUNT_ID.fullmatch(text):
                    self.trusted_accounts.add(text)
                elif text.lower().startswith("arn:"):
                    parts = text.split(":", 5)
                    if len(parts) == 6 and parts[5] == "root":
                        if _ACCOUNT_ID.fullmatch(parts[4]):
                            self.trusted_accounts.add(parts[4])
                    else:
                        self.mention(_arn_token(text))

    def policies(self, *documents: PolicyDocument | None) -> None:
        """The resources that grants (and denials) of assuming a role name."""
        for document in documents:
            if document is None:
                continue
            for statement in document.statements:
                if not _may_assume(statement.actions, statement.has_not_action):
                    continue
                if statement.has_not_resource:
                    self.mention("*:*")
                for resource in statement.resources:
                    if resource.text is not None:
                        self.mention(_arn_token(resource.text))


def _scoped(name: str) -> bool:
    """A name the graph cannot match across units: generated, or partly unresolved."""
    return "<" in name or "${" in name


def _may_assume(actions: Sequence[Value], has_not_action: bool) -> bool:
    """Whether a statement's actions can include assuming a role (unknown ones can)."""
    if has_not_action:
        return True
    return any(action.text is None or _names_assume(action.text) for action in actions)


@lru_cache(maxsize=1024)
def _names_assume(action: str) -> bool:
    pattern = re.compile(translate(action.lower()))
    return any(pattern.match(name) for name in _ASSUME_ACTIONS)


def _arn_token(text: str) -> str | None:
    """`kind:name` for an IAM ARN (`role:deploy`); `*:*` for `*`; None for other services."""
    lower = text.strip().lower()
    if lower == "*":
        return "*:*"
    if not lower.startswith("arn:"):
        return f"*:{lower}" if lower else None
    parts = lower.split(":", 5)
    if len(parts) < 6:
        return None
    service, resource = parts[2], parts[5]
    if service not in ("iam", "sts") and not _WILDCARDS.search(service):
        return None
    kind, _, rest = resource.partition("/")
    if _WILDCARDS.search(kind):
        return "*:*"
    segments = [segment for segment in rest.split("/") if segment]
    if not segments:
        return None
    if kind == "assumed-role":
        return f"role:{segments[0]}"
    return f"{kind}:{segments[-1]}"


def _debug(message: str, *args: object, exc_info: bool = False) -> None:
    # logging is imported only when something goes wrong: a warm run never needs it.
    import logging

    logging.getLogger(__name__).debug(message, *args, exc_info=exc_info)
