"""AWS managed policies whose content is known not to allow `sts:AssumeRole`.

An AWS managed policy is not in the scanned files, so the graph does not know
what it grants and a principal holding one stays undecided (no TL005). These
execution and read-only policies are attached to nearly every Lambda, ECS
task and EC2 role, and AWS documents their actions as logging, networking,
image pulls or reads of one service: none of them touches STS. Treating them
as granting nothing keeps TL005 useful for the most common callers. Only
policies whose published document has no `sts:` action and no `*` action
belong here.
"""

from __future__ import annotations

from trustlint.patterns import lazy_compile

_WITHOUT_ASSUME_ROLE = frozenset(
    {
        "service-role/AWSLambdaBasicExecutionRole",
        "service-role/AWSLambdaVPCAccessExecutionRole",
        "service-role/AWSLambdaKinesisExecutionRole",
        "service-role/AWSLambdaSQSQueueExecutionRole",
        "service-role/AWSLambdaDynamoDBExecutionRole",
        "service-role/AmazonECSTaskExecutionRolePolicy",
        "AWSXRayDaemonWriteAccess",
        "AmazonSSMManagedInstanceCore",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonS3ReadOnlyAccess",
        "CloudWatchAgentServerPolicy",
        "CloudWatchLogsFullAccess",
    }
)
_AWS_MANAGED_ARN = lazy_compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?P<name>.+)$")


def grants_no_assume_role(policy_arn: str) -> bool:
    """Whether `policy_arn` is an AWS managed policy known to allow no `sts:AssumeRole`."""
    match = _AWS_MANAGED_ARN.match(policy_arn)
    return match is not None and match.group("name") in _WITHOUT_ASSUME_ROLE
