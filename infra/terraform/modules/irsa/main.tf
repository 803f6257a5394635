data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
}

locals {
  # Each grant: the actions of one service, on the resources of one input.
  grants = {
    SqsConsume = {
      resources = var.sqs_consume_arns
      actions = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
      ]
    }
    SqsMetrics = {
      resources = var.sqs_metrics_arns
      actions   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    }
    SnsPublish = {
      resources = var.sns_publish_arns
      actions   = ["sns:Publish"]
    }
    KinesisWrite = {
      resources = var.kinesis_write_arns
      actions   = ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary"]
    }
    KinesisRead = {
      resources = var.kinesis_read_arns
      actions = [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
      ]
    }
    EventBridgePut = {
      resources = var.eventbridge_put_arns
      actions   = ["events:PutEvents"]
    }
    DynamoDbReadWrite = {
      resources = var.dynamodb_read_write_arns
      actions = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DescribeTable",
      ]
    }
    DynamoDbRead = {
      resources = var.dynamodb_read_arns
      actions = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:DescribeTable",
      ]
    }
    SecretsRead = {
      resources = var.secret_arns
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    }
    KmsUse = {
      resources = var.kms_key_arns
      actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    }
    WebSocketPush = {
      resources = var.websocket_connection_arns
      actions   = ["execute-api:ManageConnections"]
    }
  }

  active_grants = { for sid, grant in local.grants : sid => grant if length(grant.resources) > 0 }
}

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = local.active_grants

    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "this" {
  count = length(local.active_grants) > 0 ? 1 : 0

  name   = "${var.name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
