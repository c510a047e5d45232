"""`trustlint rules` and `trustlint explain`, from the rules catalogue."""

from __future__ import annotations

import json

from trustlint.catalogue import RuleInfo, load_catalogue


def render_rules(fmt: str) -> str:
    catalogue = load_catalogue()
    if fmt == "json":
        data = [
            {
                "id": rule.id,
                "name": rule.name,
                "level": rule.level,
                "security_severity": rule.security_severity,
                "precision": rule.precision,
                "tags": list(rule.tags),
                "short_description": rule.short_description,
                "options": rule.options,
            }
            for rule in catalogue.values()
        ]
        return json.dumps(data, indent=2) + "\n"
    if fmt == "markdown":
        return render_rules_markdown()
    width = max((len(rule.name) for rule in catalogue.values()), default=10)
    lines = [
        f"{rule.id}  {rule.name:<{width}}  {rule.level:<7}  {rule.short_description}"
        for rule in catalogue.values()
    ]
    return "\n".join(lines) + "\n"


def render_rules_markdown() -> str:
    """The rule table of the README."""
    rows = [
        "| id | name | default level | what it reports |",
        "|---|---|---|---|",
    ]
    for rule in load_catalogue().values():
        summary = rule.short_description.replace("|", "\\|")
        level = f"{rule.level} ({rule.level_detail})" if rule.level_detail else rule.level
        rows.append(f"| {rule.id} | `{rule.name}` | {level} | {summary} |")
    return "\n".join(rows) + "\n"


def find_rule(key: str) -> RuleInfo | None:
    catalogue = load_catalogue()
    wanted = key.strip()
    rule = catalogue.get(wanted.upper())
    if rule is not None:
        return rule
    for candidate in catalogue.values():
        if candidate.name == wanted.lower():
            return candidate
    return None


def render_explain(key: str) -> str | None:
    rule = find_rule(key)
    if rule is None:
        return None
    header = [
        f"{rule.id} {rule.name}",
        "",
        f"Default level: {rule.level}"
        + (f"; {rule.level_detail}" if rule.level_detail else "")
        + f"  (security-severity {rule.security_severity}, precision {rule.precision})",
        "",
        rule.full_description,
        "",
    ]
    if rule.options:
        header.append("Options (under rules." + rule.id + " in .trustlint.yaml):")
        header.extend(f"  {name}: {text}" for name, text in rule.options.items())
        header.append("")
    return "\n".join(header) + "\n" + rule.help
