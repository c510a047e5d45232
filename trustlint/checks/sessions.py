"""TL006 excessive-session-duration: long role sessions and permission-set sessions.

A role's `MaxSessionDuration` (seconds) lets every caller ask for credentials
that long; AWS accepts 3600-43200. An IAM Identity Center permission set's
`SessionDuration` is an ISO 8601 duration (`PT1H`, `PT12H`); Identity Center
accepts 1-12 hours. A value above the configured maximum is a warning; a
value AWS rejects (out of range, or not a duration at all) is an error, since
the deployment fails. The value's type is this rule's business, not TL013's:
TL013 is about policy documents, this is a property of the role.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from trustlint.checks import CheckContext, check
from trustlint.findings import Finding, Level
from trustlint.model import Resource, Unknown, Value
from trustlint.patterns import lazy_compile
from trustlint.project import entity_label
from trustlint.records import record

RULE = "TL006"
MIN_SECONDS = 3600
MAX_SECONDS = 43200
DEFAULT_MAXIMUM = 3600
"""AWS's own default for both roles and permission sets: one hour."""

_ISO_DURATION = lazy_compile(
    r"P(?=\d|T\d)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
# Calendar units have no fixed length; any of them is far beyond 12 hours, which
# is all the rule needs to know.
_UNIT_SECONDS = {
    "years": Decimal(365 * 86400),
    "months": Decimal(28 * 86400),
    "weeks": Decimal(7 * 86400),
    "days": Decimal(86400),
    "hours": Decimal(3600),
    "minutes": Decimal(60),
    "seconds": Decimal(1),
}


def parse_seconds(value: Value) -> Decimal | None:
    """`MaxSessionDuration` as a number of seconds, or None when it is not a number.

    Integers and numeric strings count (CloudFormation and Terraform accept both).
    """
    text = value.text
    if text is None or value.raw_type not in ("int", "float", "str"):
        return None
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_iso_duration(text: str) -> Decimal | None:
    """An ISO 8601 duration (`PT1H30M`) in seconds, or None when it is not one."""
    match = _ISO_DURATION.fullmatch(text.strip())
    if match is None:
        return None
    parts = match.groupdict().items()
    return sum((Decimal(n) * _UNIT_SECONDS[unit] for unit, n in parts if n), Decimal(0))


def human_duration(seconds: Decimal) -> str:
    """`43200` -> `12 h`, `5400` -> `1 h 30 min`, `50` -> `50 s`."""
    whole = int(seconds)
    if whole != seconds or whole < 60:
        return f"{seconds.normalize():f} s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{secs} s" if secs else "")
    return " ".join(part for part in parts if part)


@record
class DurationSetting:
    """How one kind of resource writes its session length, and who rejects a bad one."""

    kind: str
    cloudformation: str
    terraform: str
    option: str
    iso: bool
    """ISO 8601 text (`PT8H`) rather than a number of seconds."""
    service: str
    noun: str
    accepted: str


ROLE = DurationSetting(
    kind="Role",
    cloudformation="MaxSessionDuration",
    terraform="max_session_duration",
    option="max_session_duration",
    iso=False,
    service="AWS",
    noun="role",
    accepted=f"{MIN_SECONDS}-{MAX_SECONDS} s (1-12 h)",
)
PERMISSION_SET = DurationSetting(
    kind="PermissionSet",
    cloudformation="SessionDuration",
    terraform="session_duration",
    option="max_permission_set_duration",
    iso=True,
    service="IAM Identity Center",
    noun="permission set",
    accepted="PT1H-PT12H",
)


@check(RULE)
def check_excessive_session_duration(context: CheckContext) -> Iterator[Finding]:
    options = context.options(RULE)
    role_maximum = int(options.get(ROLE.option, DEFAULT_MAXIMUM))
    set_maximum = int(options.get(PERMISSION_SET.option, role_maximum))
    for _unit, role in context.project.roles():
        if role.max_session_duration is not None:
            yield from _duration_findings(
                ROLE, role.resource, role.max_session_duration, role_maximum, context.strict
            )
    for unit in context.project.units:
        for permission_set in unit.permission_sets:
            if permission_set.session_duration is not None:
                yield from _duration_findings(
                    PERMISSION_SET,
                    permission_set.resource,
                    permission_set.session_duration,
                    set_maximum,
                    context.strict,
                )


def _parse(setting: DurationSetting, value: Value) -> Decimal | None:
    """The value in seconds; None when it is not a duration AWS accepts the form of."""
    if not setting.iso:
        seconds = parse_seconds(value)
        return seconds if seconds is not None and seconds == seconds.to_integral_value() else None
    if value.text is None or value.raw_type != "str":
        return None
    return parse_iso_duration(value.text)


def _duration_findings(
    setting: DurationSetting, resource: Resource, value: Value, maximum: int, strict: bool
) -> Iterator[Finding]:
    owner = entity_label(setting.kind, resource.address)
    # The property as the user wrote it: Terraform resources use snake case.
    name = (
        setting.terraform if resource.resource_type.startswith("aws_") else setting.cloudformation
    )
    limit = _iso(maximum) if setting.iso else str(maximum)
    limit_shown = limit if setting.iso else f"{maximum} s"
    limit_shown += f" ({human_duration(Decimal(maximum))})"

    def finding(level: Level, message: str) -> Finding:
        return Finding(
            rule_id=RULE,
            level=level,
            message=message,
            location=value.location,
            resource=owner,
            resource_location=resource.location,
            subject=name,
        )

    if value.raw_type == "null":
        return
    if isinstance(value.value, Unknown) and value.raw_type not in ("list", "map"):
        unresolved = value.value.text
        if strict:
            yield finding(
                "note",
                f"cannot decide: {name} of {owner} is unresolved ({unresolved}); check that it "
                f"is at most {limit_shown}",
            )
        return
    seconds = _parse(setting, value)
    if seconds is None:
        written = repr(value.text) if value.text is not None else f"a {value.raw_type}"
        form = "an ISO 8601 duration such as PT1H" if setting.iso else "a whole number of seconds"
        yield finding(
            "error",
            f"{owner} sets {name} to {written}, which is not {form}; {setting.service} rejects "
            f"the {setting.noun}: write {limit}",
        )
        return
    shown = (str(value.value) if setting.iso else f"{seconds} s") + f" ({human_duration(seconds)})"
    if seconds < MIN_SECONDS:
        least = _iso(MIN_SECONDS) if setting.iso else str(MIN_SECONDS)
        least_shown = (least if setting.iso else f"{MIN_SECONDS} s") + " (1 h)"
        yield finding(
            "error",
            f"{owner} sets {name} to {shown}, below {setting.service}'s minimum of "
            f"{least_shown}; {_deployer(resource, setting)} will reject it: set it to at "
            f"least {least}",
        )
    elif seconds > MAX_SECONDS:
        yield finding(
            "error",
            f"{owner} sets {name} to {shown}; {setting.service} accepts only {setting.accepted} "
            f"and rejects the {setting.noun}: set it to at most {limit}",
        )
    elif seconds > maximum:
        yield finding(
            "warning",
            f"{owner} allows sessions of {shown}, above the configured maximum of {limit_shown}; "
            f"lower {name} to {limit} (or raise rules.TL006.{setting.option})",
        )


def _deployer(resource: Resource, setting: DurationSetting) -> str:
    """Who refuses a value AWS rejects, as the user meets it."""
    if resource.resource_type.startswith("aws_"):
        return "Terraform"
    if resource.resource_type.startswith("AWS::"):
        return "CloudFormation"
    return setting.service


def _iso(seconds: int) -> str:
    """3600 -> `PT1H`, 5400 -> `PT1H30M`."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    parts += f"{secs}S" if secs or not parts else ""
    return f"PT{parts}"
