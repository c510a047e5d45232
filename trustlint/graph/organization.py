"""What the config and the scanned files say about the AWS organization.

Organization policies are decided on each edge (SPEC section 9), so the graph
needs two facts about an account:

- whether it is the organization's management account, which service control
  policies and resource control policies never restrict: `accounts.management`
  in the config, or the account of a unit that creates the organization
  (`aws_organizations_organization`, `AWS::Organizations::Organization`);
- which organization it belongs to, for `aws:PrincipalOrgID` and
  `aws:ResourceOrgID`: the one `accounts.organization_id` configured, for the
  accounts the config places in it (the management account, the members of
  `organizational_units`, the `internal` accounts).

Anything else is unknown: an account the config does not place is never
assumed to be inside or outside the organization.
"""

from __future__ import annotations

from trustlint.graph.scope import Scope, is_literal_account, or3, same_account

SERVICE_LINKED_ROLE_PATH = "/aws-service-role/"
"""The path of every service-linked role: SCPs do not restrict them."""


class Organization:
    """The management account(s) and members of the organization, as account keys."""

    def __init__(self, scope: Scope) -> None:
        project = scope.project
        config = project.config
        self.management: list[str] = []
        if config.management_account is not None:
            self.management.append(config.management_account)
        for unit in project.units:
            if unit.organizations:
                key = scope.unit_account(unit)
                if key not in self.management:
                    self.management.append(key)
        ids = sorted(config.organization_ids)
        self.organization_id: str | None = ids[0] if len(ids) == 1 else None
        members: set[str] = set(self.management)
        for accounts in config.organizational_units.values():
            members.update(accounts)
        members.update(config.internal_accounts)
        self._members = frozenset(members)

    def is_management(self, account: str | None) -> bool | None:
        """Whether `account` is the management account; False when none is known."""
        if not self.management:
            return False
        return or3([same_account(account, management) for management in self.management])

    def organization_of(self, account: str | None) -> str | None:
        """The organization id of `account` when the config places it in the organization."""
        if self.organization_id is None or account is None:
            return None
        if account in self._members and (is_literal_account(account) or account in self.management):
            return self.organization_id
        return None


def is_service_linked_role_path(path: str | None) -> bool:
    return path is not None and path.lower().startswith(SERVICE_LINKED_ROLE_PATH)
