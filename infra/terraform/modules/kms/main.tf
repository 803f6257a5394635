# A customer-managed key with yearly rotation. The account root statement hands
# key use to IAM, so every other principal still needs an IAM policy that names
# this key; services that act on their own (SNS delivering to an encrypted queue,
# EventBridge writing to an encrypted stream, CloudWatch Logs) are listed here.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  data_key_actions = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
  ]

  account_statement = {
    Sid       = "AccountAdministersThroughIam"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }

  service_statements = length(var.service_principals) == 0 ? [] : [{
    Sid       = "AwsServicesOfThisAccount"
    Effect    = "Allow"
    Principal = { Service = var.service_principals }
    Action    = local.data_key_actions
    Resource  = "*"
    Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
  }]

  logs_statements = var.allow_cloudwatch_logs ? [{
    Sid       = "CloudWatchLogsOfThisAccount"
    Effect    = "Allow"
    Principal = { Service = "logs.${local.region}.amazonaws.com" }
    Action    = local.data_key_actions
    Resource  = "*"
    Condition = {
      ArnLike = {
        "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:*"
      }
    }
  }] : []

  autoscaling_role = "arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"

  autoscaling_statements = var.allow_autoscaling ? [
    {
      Sid       = "AutoScalingEncryptsNodeVolumes"
      Effect    = "Allow"
      Principal = { AWS = local.autoscaling_role }
      Action    = local.data_key_actions
      Resource  = "*"
    },
    {
      Sid       = "AutoScalingAttachesNodeVolumes"
      Effect    = "Allow"
      Principal = { AWS = local.autoscaling_role }
      Action    = "kms:CreateGrant"
      Resource  = "*"
      Condition = { Bool = { "kms:GrantIsForAWSResource" = "true" } }
    },
  ] : []
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [local.account_statement],
      local.service_statements,
      local.logs_statements,
      local.autoscaling_statements,
    )
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
