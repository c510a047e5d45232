"""Configuration: discovery, validation against the shipped JSON Schema, defaults.

Found upward from the first scanned path: `.trustlint.yaml`, `.trustlint.yml`,
or a `pyproject.toml` with a `[tool.trustlint]` table. Validating imports
jsonschema, which a pre-commit run should not pay for every commit, so a
config whose exact bytes validated before is remembered in the cache
directory and not validated again.
"""

from __future__ import annotations

import hashlib
import os
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from trustlint.findings import Level
from trustlint.records import field, record

CONFIG_NAMES = (".trustlint.yaml", ".trustlint.yml")


@record
class LoadOptions:
    """Limits and settings every front-end honours. Part of the parse-cache key."""

    partition: str = "aws"
    """What `AWS::Partition` / `data.aws_partition.x.partition` resolve to."""
    max_file_size: int = 10 * 1024 * 1024
    """Bytes; a larger file is TL000 without being read."""
    max_depth: int = 256
    """Nesting depth of YAML, JSON and HCL values."""
    max_nodes: int = 2_000_000
    """Nodes one document may expand to (YAML aliases included: they may expand a
    document to a twentieth of this, or to ten times its written size if that is more)."""
    max_string_length: int = 1024 * 1024
    """Characters of any string evaluation computes (see `trustlint.budgets`)."""
    max_instances: int = 10_000
    """Instances a `count` or `for_each` is expanded to."""
    max_elements: int = 1_000_000
    """Elements of a computed collection, and elements a unit iterates in all."""
    max_evaluation_seconds: float = 10.0
    """Seconds one unit is evaluated for, after which what is left is not known."""
    line_hashes: bool = False
    """Keep GitHub's hash of each line a unit's locations are on, taken from the
    bytes parsed (`trustlint.line_hashes`): SARIF output needs them. Hashing
    costs a fifth of a text scan's time (1,000 files: 8.7 s against 7.1 s),
    so only a SARIF scan asks for it; the two keep separate cache entries."""


class ConfigError(Exception):
    """An unreadable or invalid config; the CLI exits 2 with this message."""


@record
class RuleSettings:
    enabled: bool | None = None
    level: Level | None = None
    options: dict[str, Any] = field(default_factory=dict)


@record
class AccountPath:
    glob: str
    account: str


@record
class BoundaryAllow:
    """One `allow` entry of a boundary: principals it lets in."""

    accounts: tuple[str, ...] = ()
    arns: tuple[str, ...] = ()
    """ARN globs (`*`, `?`)."""
    services: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    """Identity providers: a host such as token.actions.githubusercontent.com, or an ARN glob."""


@record
class TrustBoundary:
    """`boundaries:` entry: which principals may enter the roles its globs match (TL014)."""

    name: str
    roles: tuple[str, ...]
    allow: tuple[BoundaryAllow, ...]


@record
class Config:
    path: Path | None = None
    """The config file, None when there is none."""
    internal_accounts: dict[str, str] = field(default_factory=dict)
    third_party_accounts: dict[str, str] = field(default_factory=dict)
    organization_ids: frozenset[str] = frozenset()
    account_paths: tuple[AccountPath, ...] = ()
    organizational_units: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """OU id -> the accounts it holds (nested OUs included), for SCPs attached to OUs."""
    management_account: str | None = None
    """The organization's management account, which SCPs and RCPs never restrict."""
    partition: str = "aws"
    rules: dict[str, RuleSettings] = field(default_factory=dict)
    boundaries: tuple[TrustBoundary, ...] = ()
    exclude: tuple[str, ...] = ()
    load_options: LoadOptions = field(default_factory=LoadOptions)
    fail_on: str | None = None
    base: str = ""
    """The config file's directory relative to the project root ("" at the root).
    Globs in the config (`accounts.paths`, `exclude`) are relative to it."""
    _account_cache: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def directory(self) -> Path | None:
        return self.path.parent if self.path is not None else None

    def rule(self, rule_id: str) -> RuleSettings:
        return self.rules.get(rule_id, RuleSettings())

    def account_for_path(self, path: str) -> str | None:
        """The account `accounts.paths` says a project-relative path deploys into."""
        if not self.account_paths:
            return None
        if path in self._account_cache:
            return self._account_cache[path]
        account = None
        relative = self.config_relative(path)
        if relative is not None:
            for entry in self.account_paths:
                if glob_match(entry.glob, relative):
                    account = entry.account
                    break
        self._account_cache[path] = account
        return account

    def config_relative(self, path: str) -> str | None:
        """A project-relative path relative to the config's directory; None outside it."""
        if not self.base:
            return path
        prefix = self.base + "/"
        return path[len(prefix) :] if path.startswith(prefix) else None

    @property
    def root_excludes(self) -> tuple[str, ...]:
        """`exclude` patterns relative to the project root."""
        if not self.base:
            return self.exclude
        return tuple(f"{self.base}/{pattern.lstrip('/')}" for pattern in self.exclude)


def glob_match(pattern: str, path: str) -> bool:
    """Match a project-relative path against a glob where `**` spans directories."""
    pattern = pattern.strip("/")
    if fnmatchcase(path, pattern):
        return True
    if pattern.startswith("**/") and fnmatchcase(path, pattern[3:]):
        return True
    if pattern.endswith("/**"):
        prefix = pattern[:-3]
        return fnmatchcase(path, prefix) or fnmatchcase(path, prefix + "/*")
    return False


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above `start`."""
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            candidate = candidate_dir / name
            if candidate.is_file():
                return candidate
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file() and _pyproject_section(pyproject) is not None:
            return pyproject
    return None


def load_config(path: Path | None, cache_dir: Path | None = None) -> Config:
    """Read and validate `path` (None: defaults)."""
    if path is None:
        return Config()
    raw, text = _read_raw(path)
    _validate(raw, text, path, cache_dir)
    return _build(raw, path)


def _pyproject_section(path: Path) -> dict[str, Any] | None:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        # It may hold [tool.trustlint]: going on with the defaults would
        # silently run another configuration than the one written.
        raise ConfigError(
            f"{path}: invalid TOML, so its [tool.trustlint] settings cannot be read: {error} "
            "(fix the file, or name a config with --config)"
        ) from None
    section = data.get("tool", {}).get("trustlint")
    return section if isinstance(section, dict) else None


def _read_raw(path: Path) -> tuple[Any, str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config {path}: {error}") from None
    if path.name == "pyproject.toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: invalid TOML: {error}") from None
        return data.get("tool", {}).get("trustlint", {}), text
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None)
        if mark is None or not problem:
            raise ConfigError(f"{path}: invalid YAML: {error}") from None
        where = f"{path}:{mark.line + 1}:{mark.column + 1}"
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    return ({} if data is None else data), text


def _schema_text() -> str:
    from importlib import resources

    return resources.files("trustlint.data").joinpath("config.schema.json").read_text("utf-8")


def _validate(raw: Any, text: str, path: Path, cache_dir: Path | None) -> None:
    schema_text = _schema_text()
    digest = hashlib.sha256((schema_text + "\0" + text).encode("utf-8")).hexdigest()
    marker = cache_dir / "valid-configs" / digest if cache_dir is not None else None
    if marker is not None and marker.exists():
        return
    import json

    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(schema_text))
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError("\n".join(_describe(path, error) for error in errors[:10]))
    if marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass


def _describe(path: Path, error: Any) -> str:
    """`invalid config PATH: accounts.internal: '11111' is not a 12-digit account id`."""
    error = _most_specific(error)
    where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    return f"invalid config {path}: {where}: {_problem(error)}"


def _most_specific(error: Any) -> Any:
    """For `oneOf`/`anyOf`, the alternative the value came closest to satisfying.

    "is not valid under any of the given schemas" names no problem; the
    alternative of the value's own type (an object for an object) does. An
    alternative that fails only because the value is not of its type is left
    out; if every one does, `_problem` names the types.
    """
    while error.validator in ("oneOf", "anyOf") and error.context:
        same_type = [
            sub
            for sub in error.context
            if not (sub.validator == "type" and sub.instance is error.instance)
        ]
        if not same_type:
            break
        from jsonschema.exceptions import best_match

        error = best_match(same_type)
    return error


_PATTERN_MEANING = {
    "^[0-9]{12}$": "a 12-digit account id",
    "^o-[a-z0-9]{10,32}$": "an organization id such as o-abc123def4",
    "^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$": "an organizational unit id such as ou-ab12-cd34ef56",
    "^TL[0-9]{3}$": "a rule id such as TL001",
}


_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def _problem(error: Any) -> str:
    instance = error.instance
    if error.validator == "type" and isinstance(instance, int) and not isinstance(instance, bool):
        expected = error.validator_value
        if expected == "string" or (isinstance(expected, list) and "string" in expected):
            # YAML reads an unquoted account id as a number (and one with a
            # leading 0 as octal), so its digits are not what was written.
            return f"{instance} is a number; write it in quotes ('{instance}')"
    if error.validator in ("oneOf", "anyOf") and error.context:
        types: list[str] = []
        for sub in error.context:
            expected = sub.validator_value if sub.validator == "type" else None
            for name in [expected] if isinstance(expected, str) else expected or []:
                if _TYPE_NAMES.get(name, name) not in types:
                    types.append(_TYPE_NAMES.get(name, name))
        if types:
            return f"{_quoted(instance)} is not {' or '.join(types)}"
    if error.validator == "additionalProperties":
        return str(error.message).replace("Additional properties are not allowed", "unknown key")
    if error.validator == "propertyNames":
        schema = error.schema.get("propertyNames", {})
        named = _PATTERN_MEANING.get(schema.get("pattern", ""), "an allowed key")
        return f"{_quoted(error.instance)} is not {named}"
    if error.validator == "pattern":
        meaning = _PATTERN_MEANING.get(error.validator_value)
        if meaning is not None:
            return f"{_quoted(error.instance)} is not {meaning}"
    return str(error.message)


def _quoted(value: Any) -> str:
    if isinstance(value, dict):
        value = next(iter(value), value)
    return repr(value)


def _account_map(value: Any) -> dict[str, str]:
    if isinstance(value, list):
        return {str(account): "" for account in value}
    if isinstance(value, dict):
        return {str(account): str(name or "") for account, name in value.items()}
    return {}


def _check_rule_ids(raw: dict[str, Any], path: Path) -> None:
    """`rules:` may only name rules that exist (a typo would silently configure nothing)."""
    from trustlint.catalogue import rules_directory

    known = {entry.name[:5] for entry in rules_directory().glob("TL[0-9][0-9][0-9]-*.yaml")}
    known.add("TL000")
    for rule_id in raw.get("rules") or {}:
        if known and rule_id not in known:
            raise ConfigError(
                f"invalid config {path}: rules.{rule_id}: {rule_id!r} is not a rule id "
                "(see `trustlint rules`)"
            )


def _build(raw: dict[str, Any], path: Path) -> Config:
    _check_rule_ids(raw, path)
    accounts = raw.get("accounts") or {}
    org = accounts.get("organization_id")
    org_ids = frozenset([org] if isinstance(org, str) else (org or []))
    rules: dict[str, RuleSettings] = {}
    for rule_id, settings in (raw.get("rules") or {}).items():
        settings = dict(settings or {})
        enabled = settings.pop("enabled", None)
        level = settings.pop("level", None)
        rules[rule_id] = RuleSettings(enabled, level, settings)
    limits = raw.get("limits") or {}
    partition = accounts.get("partition", "aws")
    defaults = LoadOptions()
    options = LoadOptions(
        partition=partition,
        max_file_size=limits.get("max_file_size", defaults.max_file_size),
        max_depth=limits.get("max_depth", defaults.max_depth),
        max_nodes=limits.get("max_nodes", defaults.max_nodes),
        max_string_length=limits.get("max_string_length", defaults.max_string_length),
        max_instances=limits.get("max_instances", defaults.max_instances),
        max_elements=limits.get("max_elements", defaults.max_elements),
        max_evaluation_seconds=limits.get(
            "max_evaluation_seconds", defaults.max_evaluation_seconds
        ),
    )
    return Config(
        path=path,
        internal_accounts=_account_map(accounts.get("internal")),
        third_party_accounts=_account_map(accounts.get("third_party")),
        organization_ids=org_ids,
        account_paths=tuple(
            AccountPath(entry["glob"], entry["account"]) for entry in accounts.get("paths") or []
        ),
        organizational_units={
            str(ou): tuple(str(account) for account in members or ())
            for ou, members in (accounts.get("organizational_units") or {}).items()
        },
        management_account=(
            str(accounts["management"]) if accounts.get("management") is not None else None
        ),
        partition=partition,
        rules=rules,
        boundaries=tuple(_boundary(entry) for entry in raw.get("boundaries") or ()),
        exclude=tuple(raw.get("exclude") or ()),
        load_options=options,
        fail_on=raw.get("fail_on"),
    )


def _boundary(entry: dict[str, Any]) -> TrustBoundary:
    return TrustBoundary(
        str(entry["name"]),
        tuple(str(glob) for glob in entry["roles"]),
        tuple(
            BoundaryAllow(
                tuple(str(x) for x in allow.get("accounts") or ()),
                tuple(str(x) for x in allow.get("arns") or ()),
                tuple(str(x) for x in allow.get("services") or ()),
                tuple(str(x) for x in allow.get("federated") or ()),
            )
            for allow in entry["allow"]
        ),
    )


def default_cache_dir() -> Path:
    """`$TRUSTLINT_CACHE_DIR`, else the user's cache directory; never inside the scanned tree."""
    configured = os.environ.get("TRUSTLINT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "trustlint"
