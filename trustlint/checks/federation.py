"""TL007 unrestricted-web-identity: OIDC trusts that do not pin who the caller is.

`sts:AssumeRoleWithWebIdentity` needs no identity policy: the trust policy
alone decides. A provider such as GitHub Actions issues tokens to every
repository of every user, so a trust on it must pin the token's subject (the
`HOST:sub` key) or another claim STS validates and that identifies the caller.
The audience (`HOST:aud`) is not such a claim: every token meant for AWS
carries the same one.

What counts as a pin, per provider:

* GitHub Actions: `sub`, or one of the claims STS validates that name a
  repository, owner or person (`repository`, `repository_id`,
  `job_workflow_ref`, `actor`, `actor_id`, `enterprise_id`, as listed in
  AWS's January 2026 announcement of provider-specific claims; `workflow`,
  `ref` and `environment` are chosen by whoever writes the workflow, so they
  pin nothing). `repository_owner` and `repository_owner_id` are accepted
  too: if STS validates them they pin the owner, and if it does not the
  condition never matches, so either way the role is not open to everyone.
  A subject must name its owner: `repo:*`, `repo:*/x:*` and a subject that
  starts with a claim the workflow chooses (`workflow:...`, which GitHub's
  subject customisation allows) match repositories of any owner.
* Cognito (`cognito-identity.amazonaws.com`, shared by every identity pool of
  every account): the audience is the identity pool id, so `...:aud` is the
  pin; `...:amr` then tells authenticated from guest identities.
* Google: `accounts.google.com:aud` reads the token's `azp` (the caller's
  OAuth client or service account) when present, so it pins as `sub` does.
* Facebook and Login with Amazon: the `app_id` (or the user id).
* GitLab.com, Terraform Cloud and Buildkite issue tokens for every tenant; a
  subject must name the group or organization.
* Any other provider: `sub` whose values are not all wildcards.

The level follows who shares the issuer: a shared one (GitHub, gitlab.com,
HCP Terraform, Google, Cognito, or one not known) admits every tenant of the
platform, an error; a per-tenant one (`tenant_of`: a CircleCI organization, a
Bitbucket workspace, an EKS cluster, a self-managed GitLab, a GitHub
enterprise's issuer) admits the workloads of one tenant, a warning. A GitHub
subject that pins an owner but any of its repositories (`repo:acme/*`) is a
note: every repository of the organization, including later ones, may assume.

Every value counts, because IAM ORs them: one `*` among several opens the
role. `StringEquals` compares literally, so a wildcard written there matches
no token at all; it is still reported, since the author meant a pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from trustlint.checks import CheckContext, check
from trustlint.checks.wording import with_branch
from trustlint.findings import Finding, Level
from trustlint.model import (
    Condition,
    Location,
    PolicyDocument,
    Principal,
    Statement,
    Unknown,
    Value,
)
from trustlint.patterns import lazy_compile
from trustlint.policy import (
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    fails_open_when_absent,
    has_unknown_condition,
    is_wildcard_principal,
    key_name,
    oidc_provider_host,
    statement_allows_action,
)
from trustlint.project import PolicySubject
from trustlint.records import record

RULE = "TL007"
GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"

_PIN_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike"})
_NEGATED_PIN_OPERATORS = frozenset(
    {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike"}
)
_LITERAL_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase"})
_OWNER_END = lazy_compile(r"[/:]")

ValueCheck = Callable[[str, str], str | None]
"""(claim, value) -> why the value does not identify callers, or None when it does."""
OrgCheck = Callable[[str, str], str | None]


@record
class Provider:
    """What a trust on one identity provider must pin."""

    name: str
    pin_claims: frozenset[str]
    always_present: frozenset[str]
    """Claims every token carries: `IfExists` / `ForAllValues` on them still pin."""
    check_value: ValueCheck
    advice: str
    """How to fix a trust without a pin; `{host}` is replaced by the provider host."""
    example: str = "the subjects allowed"
    """What a value that names the caller looks like."""
    org_wide: OrgCheck | None = None
    """(claim, value) -> the organization a pinning value admits every repository of, or None."""


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def matches_everything(text: str) -> bool:
    """A pattern made only of wildcards (`*`, `**`, `?*`) matches every subject."""
    return "*" in text and set(text) <= {"*", "?"}


def _names_owner(text: str) -> bool:
    """Whether `owner/...` (or `owner@id/...`, GitHub's immutable form) names its owner.

    Either the owner's name or its numeric id must be free of wildcards.
    """
    owner = _OWNER_END.split(text, maxsplit=1)[0]
    name, _, ident = owner.partition("@")
    return bool(name and not _has_wildcard(name)) or bool(ident and not _has_wildcard(ident))


def _any_value(_claim: str, text: str) -> str | None:
    return "matches every subject" if matches_everything(text) else None


def _identity_pool(_claim: str, text: str) -> str | None:
    return "matches identity pools of any account" if _has_wildcard(text) else None


def _application(_claim: str, text: str) -> str | None:
    return "matches any application or user" if _has_wildcard(text) else None


def _tenant_subject_check(identifying: frozenset[str], chosen: frozenset[str]) -> ValueCheck:
    """A value check for a provider whose subjects start with `claim:value`."""

    def check_value(claim: str, text: str) -> str | None:
        if matches_everything(text):
            return "matches every subject"
        if claim != "sub":
            if claim.endswith("_id") or claim == "actor":
                return "matches any caller" if _has_wildcard(text) else None
            return None if _names_owner(text) else "matches repositories of any owner"
        first, separator, rest = text.partition(":")
        if _has_wildcard(first):
            return "leaves its first claim open, so it matches subjects of any owner"
        if not separator:
            return None
        if first in chosen:
            return (
                f"starts with the {first} claim, which whoever writes the workflow chooses, "
                "so a repository of any owner can present it"
            )
        if first in identifying and not _names_owner(rest):
            return "matches subjects of any owner"
        return None

    return check_value


_GITHUB_IDENTIFYING = frozenset(
    {
        "repo",
        "repository",
        "repository_id",
        "repository_owner",
        "repository_owner_id",
        "job_workflow_ref",
        "workflow_ref",
        "actor",
        "actor_id",
        "enterprise",
        "enterprise_id",
    }
)
_GITHUB_CHOSEN = frozenset(
    {
        "workflow",
        "environment",
        "ref",
        "ref_type",
        "ref_protected",
        "context",
        "event_name",
        "head_ref",
        "base_ref",
        "runner_environment",
        "repository_visibility",
        "job_workflow_sha",
        "workflow_sha",
        "sha",
    }
)


def _only_wildcards(text: str) -> bool:
    return bool(text) and set(text) <= {"*", "?"}


def _org_of_repository(path: str) -> str | None:
    """`acme` for `acme/*` or `acme@42/*...`: an owner named, any of its repositories admitted.

    A repository pinned by its immutable id (`acme/*@42`) or by a name
    pattern (`acme/app-*`) is not the whole organization.
    """
    owner, slash, rest = path.partition("/")
    if not slash or not _names_owner(path):
        return None
    name, _, ident = rest.split(":", 1)[0].partition("@")
    if _only_wildcards(name) and (not ident or _has_wildcard(ident)):
        return owner
    return None


def github_org_wide(claim: str, text: str) -> str | None:
    """The GitHub owner whose every repository a pinning value admits, or None.

    `repo:acme/*`, `repo:acme@42/*:ref:refs/heads/main`, a `repository` of
    `acme/*`, a subject customised to start with `repository_owner:acme`
    and name nothing more, or a condition on `repository_owner` itself.
    """
    if claim in ("repository_owner", "repository_owner_id"):
        return text
    if claim in ("repository", "job_workflow_ref"):
        return _org_of_repository(text)
    if claim != "sub":
        return None
    first, _, rest = text.partition(":")
    if first == "repo":
        return _org_of_repository(rest)
    if first in ("repository_owner", "repository_owner_id"):
        owner, _, more = rest.partition(":")
        return owner if not more or _only_wildcards(more) else None
    return None


GITHUB_PROVIDER = Provider(
    name="GitHub Actions",
    pin_claims=frozenset(
        {
            "sub",
            "repository",
            "repository_id",
            "repository_owner",
            "repository_owner_id",
            "job_workflow_ref",
            "actor",
            "actor_id",
            "enterprise_id",
        }
    ),
    always_present=frozenset(
        {
            "sub",
            "repository",
            "repository_id",
            "repository_owner",
            "repository_owner_id",
            "job_workflow_ref",
            "actor",
            "actor_id",
        }
    ),
    check_value=_tenant_subject_check(_GITHUB_IDENTIFYING, _GITHUB_CHOSEN),
    advice='add Condition StringLike {host}:sub "repo:OWNER/REPO:ref:refs/heads/main" '
    '(or "repo:OWNER/REPO:environment:NAME")',
    example='"repo:OWNER/REPO:ref:refs/heads/main"',
    org_wide=github_org_wide,
)
COGNITO_PROVIDER = Provider(
    name="Cognito",
    pin_claims=frozenset({"aud"}),
    always_present=frozenset({"aud"}),
    check_value=_identity_pool,
    advice="add Condition StringEquals cognito-identity.amazonaws.com:aud with the identity pool "
    'id, and ForAnyValue:StringLike cognito-identity.amazonaws.com:amr "authenticated" to admit '
    "only signed-in identities",
    example="the identity pool id",
)
_KNOWN_PROVIDERS: dict[str, Provider] = {
    COGNITO: COGNITO_PROVIDER,
    "accounts.google.com": Provider(
        "Google",
        frozenset({"sub", "aud"}),
        frozenset({"sub", "aud"}),
        _any_value,
        "add Condition StringEquals accounts.google.com:aud with your OAuth client id or the "
        "service account's unique id",
    ),
    "graph.facebook.com": Provider(
        "Facebook",
        frozenset({"app_id", "id"}),
        frozenset({"app_id", "id"}),
        _application,
        "add Condition StringEquals graph.facebook.com:app_id with your application id",
        "your application id",
    ),
    "www.amazon.com": Provider(
        "Login with Amazon",
        frozenset({"app_id", "user_id"}),
        frozenset({"app_id", "user_id"}),
        _application,
        "add Condition StringEquals www.amazon.com:app_id with your application id",
        "your application id",
    ),
    "gitlab.com": Provider(
        "GitLab",
        frozenset({"sub"}),
        frozenset({"sub"}),
        _tenant_subject_check(frozenset({"project_path"}), frozenset()),
        'add Condition StringLike {host}:sub "project_path:GROUP/PROJECT:ref_type:branch:ref:main"',
        '"project_path:GROUP/PROJECT:*"',
    ),
    "app.terraform.io": Provider(
        "HCP Terraform",
        frozenset({"sub"}),
        frozenset({"sub"}),
        _tenant_subject_check(frozenset({"organization"}), frozenset()),
        'add Condition StringLike app.terraform.io:sub "organization:ORG:project:PROJECT:'
        'workspace:WORKSPACE:run_phase:*"',
        '"organization:ORG:*"',
    ),
    "agent.buildkite.com": Provider(
        "Buildkite",
        frozenset({"sub"}),
        frozenset({"sub"}),
        _tenant_subject_check(frozenset({"organization"}), frozenset()),
        'add Condition StringLike agent.buildkite.com:sub "organization:ORG:pipeline:PIPELINE:*"',
        '"organization:ORG:*"',
    ),
}
_GENERIC_ADVICE = "add Condition StringEquals {host}:sub with the subjects allowed"


def written_host(principal: Principal) -> str:
    """The provider host as written (`oidc_provider_host` lower-cases it for matching)."""
    text = str(principal.value)
    return text.split("oidc-provider/", 1)[1] if "oidc-provider/" in text else text


def provider_for(host: str) -> Provider:
    if host == GITHUB or host.startswith(GITHUB + "/"):
        return GITHUB_PROVIDER
    known = _KNOWN_PROVIDERS.get(host)
    if known is not None:
        return known
    if _is_self_managed_gitlab(host):
        return _KNOWN_PROVIDERS["gitlab.com"]
    return Provider(host, frozenset({"sub"}), frozenset({"sub"}), _any_value, _GENERIC_ADVICE)


def _is_self_managed_gitlab(host: str) -> bool:
    name = host.lower().split("/", 1)[0]
    return name != "gitlab.com" and "gitlab" in name.split(".")


@record
class Tenant:
    """An issuer that only one tenant's workloads get tokens from (SPEC section 2, TL007)."""

    who: str
    """Who may assume a role that pins no subject: `any project of the CircleCI organization X`."""
    advice: str = ""
    """How to pin the subject, when it differs from the provider's; `{host}` is replaced."""
    audience: str = ""
    """What the token's `aud` names when it is the tenant itself (`organization`)."""


_CIRCLECI = lazy_compile(r"oidc\.circleci\.com/org/([^/]+)", re.IGNORECASE)
_BITBUCKET = lazy_compile(
    r"api\.bitbucket\.org/2\.0/workspaces/([^/]+)/pipelines-config/identity/oidc", re.IGNORECASE
)
_EKS = lazy_compile(r"oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/id/([^/]+)", re.IGNORECASE)


def tenant_of(host: str) -> Tenant | None:
    """The tenant a per-tenant issuer belongs to; None for a shared or unknown issuer.

    A shared issuer (GitHub's `token.actions.githubusercontent.com`,
    `gitlab.com`, `app.terraform.io`, Google, Cognito) gives tokens to every
    tenant of the platform; a per-tenant one only to the workloads of one
    organization, workspace, cluster or installation.
    """
    if match := _CIRCLECI.fullmatch(host):
        org = match.group(1)
        return Tenant(
            f"any project of the CircleCI organization {org}",
            f'add Condition StringLike {{host}}:sub "org/{org}/project/PROJECT_ID/user/*"',
            "organization",
        )
    if match := _BITBUCKET.fullmatch(host):
        return Tenant(
            f"any pipeline of the Bitbucket workspace {match.group(1)}",
            'add Condition StringLike {host}:sub "{{REPOSITORY_UUID}}:*"',
            "workspace",
        )
    if match := _EKS.fullmatch(host):
        return Tenant(
            f"any service account of the EKS cluster {match.group(1)}",
            'add Condition StringEquals {host}:sub "system:serviceaccount:NAMESPACE:NAME"',
        )
    if host.lower().startswith(GITHUB + "/"):
        enterprise = host.split("/", 1)[1]
        return Tenant(f"any workflow of any repository of the GitHub enterprise {enterprise}")
    if _is_self_managed_gitlab(host):
        return Tenant(
            f"any project of the GitLab instance {host}",
            'add Condition StringLike {host}:sub "project_path:GROUP/PROJECT:ref_type:branch:'
            'ref:main"',
        )
    return None


@record
class OpenValue:
    """A value of a pinning condition that does not identify callers."""

    condition: Condition
    value: Value
    reason: str


@record
class PinState:
    pinned: bool | None
    """True when a condition pins the caller, None when unresolved values may."""
    open_values: tuple[OpenValue, ...] = ()
    org_values: tuple[OpenValue, ...] = ()
    """When the only pin is an organization: the values that admit any of its repositories."""


def _claim(condition: Condition, host: str, provider: Provider) -> str | None:
    """The claim a condition key tests, when it is one of the provider's pin claims."""
    key = key_name(condition)
    if key is None or not key.startswith(host + ":"):
        return None
    claim = key[len(host) + 1 :]
    return claim if claim in provider.pin_claims else None


def _pin_condition(
    condition: Condition, claim: str, provider: Provider, operators: frozenset[str]
) -> tuple[bool | None, list[OpenValue]]:
    """Whether one condition on a pin claim admits only identified callers."""
    if isinstance(condition.operator, Unknown):
        return None, []
    if condition.base_operator not in operators:
        return False, []
    if fails_open_when_absent(condition) and claim not in provider.always_present:
        return False, []
    if not condition.values:
        # No value to match: no token passes (a module whose subject list is left empty).
        return True, []
    pinned: bool | None = True
    open_values: list[OpenValue] = []
    for value in condition.values:
        text = value.text
        if text is None:
            pinned = None
            continue
        reason = provider.check_value(claim, text)
        if reason is not None:
            open_values.append(OpenValue(condition, value, reason))
    if open_values:
        return False, open_values
    return pinned, []


def _org_wide_values(condition: Condition, claim: str, provider: Provider) -> list[OpenValue]:
    """The values of a pinning condition that admit every repository of an organization.

    IAM ORs the values, so one such value opens the condition to the whole organization.
    """
    if provider.org_wide is None:
        return []
    found = []
    for value in condition.values:
        text = value.text
        owner = provider.org_wide(claim, text) if text is not None else None
        if owner is not None:
            reason = f"admits every repository of {owner}, including ones created later"
            found.append(OpenValue(condition, value, reason))
    return found


def pin_state(statement: Statement, host: str, provider: Provider) -> PinState:
    """Whether the statement's conditions pin the callers of provider `host`.

    A condition that pins only an organization (`repo:acme/*`) is a pin, with
    `org_values` set, unless another condition pins repositories.
    """
    undecided = has_unknown_condition(statement)
    open_values: list[OpenValue] = []
    org_values: list[OpenValue] = []
    for condition in statement.conditions:
        claim = _claim(condition, host, provider)
        if claim is None:
            continue
        pinned, found = _pin_condition(condition, claim, provider, _PIN_OPERATORS)
        if pinned is True:
            wide = _org_wide_values(condition, claim, provider)
            if not wide:
                return PinState(True)
            org_values.extend(wide)
            continue
        if pinned is None:
            undecided = True
        open_values.extend(found)
    if org_values:
        # An unresolved condition beside it may pin repositories: no note then.
        return PinState(True, org_values=() if undecided else tuple(org_values))
    if undecided:
        return PinState(None)
    return PinState(False, tuple(open_values))


def _covers(deny: Statement, principal: Principal) -> bool:
    return any(
        is_wildcard_principal(p) or (p.kind == "federated" and p.value == principal.value)
        for p in deny.principals
    )


def denied_unless_pinned(
    document: PolicyDocument, principal: Principal, host: str, provider: Provider
) -> bool:
    """A Deny for every token whose pin claims are not the listed, identifying values.

    (`StringNotLike HOST:sub ["repo:org/app:*"]` in a Deny pins the subject as
    well as the same values in the Allow would.)
    """
    for statement in document.statements:
        if not statement.is_deny or not statement.conditions or not _covers(statement, principal):
            continue
        if statement_allows_action(statement, ASSUME_ROLE_WITH_WEB_IDENTITY) is not True:
            continue
        pins = []
        for condition in statement.conditions:
            claim = _claim(condition, host, provider)
            pins.append(
                claim is not None
                and _pin_condition(condition, claim, provider, _NEGATED_PIN_OPERATORS)[0] is True
            )
        if all(pins):
            return True
    return False


@check(RULE)
def check_unrestricted_web_identity(context: CheckContext) -> Iterator[Finding]:
    for subject in context.project.trust_policies():
        for statement in subject.document.statements:
            if not statement.is_allow:
                continue
            for principal in statement.principals:
                if principal.kind != "federated":
                    continue
                yield from _check_principal(subject, statement, principal, context.strict)


def _check_principal(
    subject: PolicySubject, statement: Statement, principal: Principal, strict: bool
) -> Iterator[Finding]:
    if isinstance(principal.value, Unknown):
        if strict and statement_allows_action(statement, ASSUME_ROLE_WITH_WEB_IDENTITY):
            what = f"the federated principal {principal.value.text}"
            yield _note(subject, statement, principal, what)
        return
    host = oidc_provider_host(principal)
    if host is None:
        return
    allows = statement_allows_action(statement, ASSUME_ROLE_WITH_WEB_IDENTITY)
    if allows is None:
        if strict:
            yield _note(subject, statement, principal, "the statement's actions")
        return
    if not allows:
        return
    provider = provider_for(host)
    state = pin_state(statement, host, provider)
    if denied_unless_pinned(subject.document, principal, host, provider):
        return
    if state.pinned is True:
        for org_value in state.org_values:
            yield _org_wide_finding(subject, statement, written_host(principal), org_value)
        return
    if state.pinned is None:
        if strict:
            yield _note(subject, statement, principal, f"a condition on {host}")
        return
    shown = written_host(principal)
    tenant = tenant_of(shown)
    if state.open_values:
        for open_value in state.open_values:
            yield _open_value_finding(
                subject, statement, shown, provider, open_value, tenant=tenant
            )
        return
    yield _unpinned_finding(subject, statement, principal, shown, provider, tenant=tenant)


def _finding(
    subject: PolicySubject,
    statement: Statement,
    *,
    location: Location,
    about: str,
    message: str,
    level: Level = "error",
) -> Finding:
    return Finding(
        rule_id=RULE,
        level=level,
        message=with_branch(message, statement),
        location=location,
        resource=subject.owner,
        resource_location=subject.owner_location,
        statement=statement.label,
        subject=about,
    )


def _unpinned_finding(
    subject: PolicySubject,
    statement: Statement,
    principal: Principal,
    host: str,
    provider: Provider,
    *,
    tenant: Tenant | None,
) -> Finding:
    advice = (tenant.advice if tenant is not None and tenant.advice else provider.advice).format(
        host=host
    )
    level: Level = "warning" if tenant is not None else "error"
    if host == "*":
        message = (
            f'{subject.owner} trusts the tokens of every identity provider ({{"Federated": "*"}}); '
            "name the provider (arn:aws:iam::ACCOUNT:oidc-provider/HOST) and add Condition "
            "StringEquals HOST:sub with the subjects allowed"
        )
    elif provider is COGNITO_PROVIDER:
        message = (
            f"{subject.owner} trusts {COGNITO} without a condition on {COGNITO}:aud: identities "
            f"of any identity pool, in any account, can assume it; {advice}"
        )
    else:
        if tenant is not None:
            who = tenant.who
        elif host.lower() == GITHUB:
            who = "every GitHub Actions workflow of every repository"
        else:
            who = f"any identity of {host}"
        audience_only = any(key_name(c) == f"{host.lower()}:aud" for c in statement.conditions)
        why = "no condition pins the token's subject"
        if audience_only and tenant is not None and tenant.audience:
            why += f" ({host}:aud only names the {tenant.audience}, which all its tokens carry)"
        elif audience_only and "aud" not in provider.pin_claims:
            why += f" ({host}:aud only names the audience, which every token for AWS carries)"
        message = f"{subject.owner} lets {who} assume it: {why}; {advice}"
    return _finding(
        subject,
        statement,
        location=principal.location,
        about=str(principal.value),
        message=message,
        level=level,
    )


def _open_value_finding(
    subject: PolicySubject,
    statement: Statement,
    host: str,
    provider: Provider,
    open_value: OpenValue,
    *,
    tenant: Tenant | None,
) -> Finding:
    condition = open_value.condition
    key = str(condition.key)
    text = open_value.value.text
    message = (
        f"{subject.owner} trusts {host} tokens whose {key} matches {text!r}, which "
        f"{open_value.reason}"
    )
    if condition.base_operator in _LITERAL_OPERATORS:
        message += (
            f" ({condition.base_operator} compares literally, so no token matches it as written; "
            "StringLike was probably meant)"
        )
    if tenant is not None:
        message += f", so {tenant.who} may assume it"
    message = f"{message}; replace it with values that name the caller, such as {provider.example}"
    return _finding(
        subject,
        statement,
        location=open_value.value.location,
        about=key,
        message=message,
        level="warning" if tenant is not None else "error",
    )


def _org_wide_finding(
    subject: PolicySubject, statement: Statement, host: str, org_value: OpenValue
) -> Finding:
    key = str(org_value.condition.key)
    text = org_value.value.text
    message = (
        f"{subject.owner} trusts {host} tokens whose {key} matches {text!r}, which "
        f"{org_value.reason}; pin the repositories that need it, such as "
        '"repo:OWNER/REPO:ref:refs/heads/main" (or the immutable "repo:OWNER@ID/REPO@ID:...")'
    )
    return _finding(
        subject,
        statement,
        location=org_value.value.location,
        about=key,
        message=message,
        level="note",
    )


def _note(subject: PolicySubject, statement: Statement, principal: Principal, what: str) -> Finding:
    message = (
        f"cannot decide: {what} of {subject.owner} is unresolved, so whether the web-identity "
        "trust pins its callers is unknown"
    )
    return _finding(
        subject,
        statement,
        location=principal.location,
        about=str(principal.value),
        message=message,
        level="note",
    )
