data "aws_caller_identity" "current" {}

locals {
  prod_account_id = "222222222222"
}

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

# Any workflow of any GitHub repository can assume this role: the trust pins
# the audience, which is the same for everyone, but not the subject (TL007).
data "aws_iam_policy_document" "github_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "github_actions" {
  name               = "github-actions"
  assume_role_policy = data.aws_iam_policy_document.github_trust.json
}

data "aws_iam_policy_document" "ec2_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

# The deploy runner may assume prod's deploy role (which trusts it: fine) and
# prod's data-ingestion role, whose trust does not admit it (TL004).
resource "aws_iam_role" "deployer" {
  name               = "deployer"
  assume_role_policy = data.aws_iam_policy_document.ec2_trust.json
}

resource "aws_iam_role_policy" "deployer_assume" {
  name = "assume-prod-roles"
  role = aws_iam_role.deployer.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = "sts:AssumeRole"
      Resource = [
        "arn:aws:iam::${local.prod_account_id}:role/deploy",
        "arn:aws:iam::${local.prod_account_id}:role/data-ingestion",
      ]
    }]
  })
}

# Prod's data-ingestion role trusts this Lambda, but nothing here lets the
# Lambda call sts:AssumeRole on it: the call fails at run time (TL005 in prod).
resource "aws_iam_role" "ingest_lambda" {
  name = "ingest-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "ingest_lambda_logs" {
  role       = aws_iam_role.ingest_lambda.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

# The analytics job holds a grant on prod's analytics-reader role, but the
# organization's SCP denies it (TL005 in prod names the SCP).
resource "aws_iam_role" "analytics_job" {
  name = "analytics-job"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  inline_policy {
    name = "assume-analytics-reader"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = "sts:AssumeRole"
        Resource = "arn:aws:iam::${local.prod_account_id}:role/analytics-reader"
      }]
    })
  }
}

# Build tools may assume any role in any account (TL012).
resource "aws_iam_policy" "build_tools" {
  name = "build-tools"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["sts:AssumeRole", "sts:TagSession"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "github_build_tools" {
  role       = aws_iam_role.github_actions.name
  policy_arn = aws_iam_policy.build_tools.arn
}
