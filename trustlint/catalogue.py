"""The rules catalogue: `rules/TLnnn-name.yaml`, one file per rule.

One source for `trustlint rules`, `trustlint explain`, SARIF rule descriptors
and the README's rule table. The files ship inside the wheel as
`trustlint/_rules`; from a source checkout they are read from `rules/`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from trustlint.findings import Level
from trustlint.records import field, record

INFORMATION_URI = "https://github.com/trustlint/trustlint"


@record
class RuleExample:
    kind: str
    """`bad` or `good`."""
    format: str
    """`cloudformation-yaml`, `cloudformation-json`, `terraform`, `policy-json`."""
    description: str
    files: dict[str, str]
    """File name -> content; most examples have one file."""
    config: str | None = None
    """A `.trustlint.yaml` the example needs, if any."""


@record
class RuleInfo:
    id: str
    name: str
    level: Level
    security_severity: str
    tags: tuple[str, ...]
    precision: str
    short_description: str
    full_description: str
    help: str
    """Markdown: What it does / Why is this bad? / Example / Use instead / References."""
    options: dict[str, str] = field(default_factory=dict)
    """Option name -> description."""
    examples: tuple[RuleExample, ...] = ()
    level_detail: str = ""
    """When the rule reports above its default level, e.g. `error for a known vendor`."""

    @property
    def help_uri(self) -> str:
        return f"{INFORMATION_URI}/blob/main/rules/{self.id}-{self.name}.yaml"


def rules_directory() -> Path:
    """Where the rule files are: inside the installed package, else the source tree."""
    package = Path(__file__).resolve().parent
    installed = package / "_rules"
    if installed.is_dir():
        return installed
    return package.parent / "rules"


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, RuleInfo]:
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    catalogue: dict[str, RuleInfo] = {}
    for path in sorted(rules_directory().glob("TL[0-9][0-9][0-9]-*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        catalogue[data["id"]] = _rule(data)
    return catalogue


def _rule(data: dict[str, Any]) -> RuleInfo:
    examples = []
    for example in data.get("examples") or []:
        files = example.get("files")
        if files is None:
            files = {example["file"]: example["content"]}
        examples.append(
            RuleExample(
                kind=example["kind"],
                format=example["format"],
                description=example.get("description", ""),
                files={str(name): str(text) for name, text in files.items()},
                config=example.get("config"),
            )
        )
    return RuleInfo(
        id=data["id"],
        name=data["name"],
        level=data["level"],
        security_severity=str(data["security_severity"]),
        tags=tuple(data.get("tags") or ()),
        precision=data.get("precision", "high"),
        short_description=data["short_description"].strip(),
        full_description=data["full_description"].strip(),
        help=data["help"].strip() + "\n",
        options={str(k): str(v) for k, v in (data.get("options") or {}).items()},
        examples=tuple(examples),
        level_detail=str(data.get("level_detail") or ""),
    )
