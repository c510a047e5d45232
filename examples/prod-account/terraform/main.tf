data "aws_caller_identity" "current" {}

# Operators from the security account sign in with MFA, but the trust allows
# every STS action, including ones nobody meant to grant (TL010).
resource "aws_iam_role" "support" {
  name = "support"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.security_account_id}:root" }
      Action    = "sts:*"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }
    }]
  })
}

# "Everyone except prod" may assume this role: NotPrincipal with Allow (TL009).
resource "aws_iam_role" "legacy_partner" {
  name               = "legacy-partner"
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "NotPrincipal": {"AWS": "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"},
          "Action": "sts:AssumeRole"
        }
      ]
    }
  EOT
}

# Right: the partner uses an ExternalId; but eight-hour sessions are longer
# than this organization allows (TL006).
data "aws_iam_policy_document" "partner_trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.partner_account_id}:role/reporting"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = ["acme-reporting-7f3c"]
    }
  }
}

resource "aws_iam_role" "partner_reporting" {
  name                 = "partner-reporting"
  assume_role_policy   = data.aws_iam_policy_document.partner_trust.json
  max_session_duration = 28800
}

# On-call operators of the security account may take over production: the
# trust names one role there, pager-vendor, whose sessions a vendor opens.
resource "aws_iam_role" "oncall_operator" {
  name = "oncall-operator"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.security_account_id}:role/pager-vendor" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "oncall_operator_power_user" {
  role       = aws_iam_role.oncall_operator.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}
