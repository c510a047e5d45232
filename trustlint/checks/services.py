"""TL008 confused-deputy: service roles open to the service acting for anyone.

A service principal (`config.amazonaws.com`) is the service acting for *every*
customer. When it assumes a role on behalf of a resource, it tells STS whose
resource that is (`aws:SourceArn`, `aws:SourceAccount`, and the organization
keys); a trust policy that does not check them lets the service be used, by
another account's resource, to act with this role (the cross-service confused
deputy). AWS's per-service guidance ("Cross-service confused deputy
prevention") recommends those conditions in the trust policy of the roles
listed in `DEFAULT_SERVICES`, which the services are documented to send on
`AssumeRole`. A condition on a key a service does not send would deny it, so
the rule does not ask the others for one (configure `services` to add them).

Compute services assume their own execution role for code the account itself
runs (`ec2`, `lambda`, `ecs-tasks`, ...): another account cannot point them at
the role, so they are exempt unless named in `services`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from trustlint.checks import CheckContext, check
from trustlint.checks.wording import with_branch
from trustlint.findings import Finding
from trustlint.model import Principal, Statement
from trustlint.patterns import lazy_compile
from trustlint.policy import (
    ASSUME_ROLE,
    conditions_on,
    fences_callers,
    service_name,
    statement_allows_action,
)
from trustlint.project import PolicySubject
from trustlint.records import replace

RULE = "TL008"

SOURCE_KEYS = ("aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths")

DEFAULT_SERVICES = frozenset(
    {
        "appsync",  # AWS AppSync data source roles
        "batchoperations.s3",  # S3 Batch Operations
        "bedrock",  # Bedrock model customization, knowledge bases, agents
        "codebuild",
        "codepipeline",
        "comprehend",
        "config",  # AWS Config recorder and delivery channel
        "datasync",
        "events",  # EventBridge rule targets
        "export.rds",  # RDS snapshot export to S3
        "iot",  # AWS IoT rule actions and Device Defender
        "logs",  # CloudWatch Logs subscriptions and destinations
        "monitoring.rds",  # RDS Enhanced Monitoring
        "personalize",
        "pipes",  # EventBridge Pipes
        "rds",  # RDS and Aurora integrations with S3, Lambda, ...
        "s3",  # S3 replication
        "scheduler",  # EventBridge Scheduler
        "ssm",  # Systems Manager hybrid activations
        "states",  # Step Functions state machines
        "transfer",  # Transfer Family
        "vpc-flow-logs",
    }
)
"""Services whose documentation recommends `aws:SourceArn` / `aws:SourceAccount`
in the trust policy of the roles they assume."""

COMPUTE_SERVICES = frozenset(
    {
        "apprunner",
        "batch",
        "build.apprunner",
        "ec2",
        "ecs",
        "ecs-tasks",
        "edgelambda",
        "eks",
        "eks-fargate-pods",
        "elasticbeanstalk",
        "lambda",
        "pods.eks",
        "tasks.apprunner",
    }
)
"""Services that assume their own execution role: exempt by default."""

_REGION_SUFFIX = lazy_compile(r"\.[a-z]{2}(?:-[a-z]+)+-\d+$")
_DOMAIN_SUFFIXES = (".amazonaws.com.cn", ".amazonaws.com", ".api.aws")


def normalize_service(text: str) -> str:
    """`states.eu-west-1.amazonaws.com` and `states` alike become `states`."""
    name = text.lower()
    for suffix in _DOMAIN_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return _REGION_SUFFIX.sub("", name)


def checked_services(extra: Iterable[str], exempt: Iterable[str]) -> frozenset[str]:
    """The services the rule asks for a source condition, after the options.

    `services` adds to the default list (a compute service named there is
    checked after all); `exempt_services` removes, and wins.
    """
    added = {normalize_service(name) for name in extra}
    removed = {normalize_service(name) for name in exempt}
    return frozenset((DEFAULT_SERVICES | added) - removed - (COMPUTE_SERVICES - added))


def source_fenced(statement: Statement) -> bool | None:
    """Whether a condition confines the statement to one account's or org's resources.

    Any positive operator whose values name accounts or an organization
    (no wildcard in the account). `IfExists` and `ForAllValues` are accepted:
    the services this rule checks always send the keys, so the condition is
    evaluated.
    """
    undecided = False
    for condition in conditions_on(statement, *SOURCE_KEYS):
        fence = fences_callers(replace(condition, if_exists=False, qualifier=None))
        if fence is True:
            return True
        if fence is None:
            undecided = True
    return None if undecided else False


@check(RULE)
def check_confused_deputy(context: CheckContext) -> Iterator[Finding]:
    options = context.options(RULE)
    services = checked_services(options.get("services", ()), options.get("exempt_services", ()))
    for subject in context.project.trust_policies():
        for statement in subject.document.statements:
            if not statement.is_allow:
                continue
            for principal in statement.principals:
                name = service_name(principal)
                if name is None or normalize_service(name) not in services:
                    continue
                yield from _check_service(subject, statement, principal, context.strict)


def _check_service(
    subject: PolicySubject, statement: Statement, principal: Principal, strict: bool
) -> Iterator[Finding]:
    allows = statement_allows_action(statement, ASSUME_ROLE)
    fenced = source_fenced(statement) if allows else False
    if allows is False or fenced is True:
        return
    if allows is None or fenced is None:
        if strict:
            unresolved = "the statement's actions" if allows is None else "a source condition"
            yield _finding(
                subject,
                statement,
                principal,
                f"cannot decide: {unresolved} of {subject.owner} is unresolved, so whether "
                f"{principal.value} is confined to its own account's resources is unknown",
            )
        return
    service = normalize_service(str(principal.value))
    present = sorted({str(c.key) for c in conditions_on(statement, *SOURCE_KEYS)})
    if present:
        why = (
            f"{subject.owner} trusts {principal.value}, but its condition on "
            f"{' and '.join(present)} does not name the accounts it may act for"
        )
    else:
        why = f"{subject.owner} trusts {principal.value} without aws:SourceArn or aws:SourceAccount"
    yield _finding(
        subject,
        statement,
        principal,
        f"{why}: {service} acting for another account's resource can be made to assume it; add "
        "Condition StringEquals aws:SourceAccount with the account id (or ArnLike "
        "aws:SourceArn with the resources that use the role)",
    )


def _finding(
    subject: PolicySubject,
    statement: Statement,
    principal: Principal,
    message: str,
) -> Finding:
    return Finding(
        rule_id=RULE,
        level="note",
        message=with_branch(message, statement),
        location=principal.location,
        resource=subject.owner,
        resource_location=subject.owner_location,
        statement=statement.label,
        subject=str(principal.value),
    )
