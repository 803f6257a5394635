# The answer stream: the score service puts SubmitAnswer records on Kinesis
# directly, or on the EventBridge bus whose rule forwards them to the same
# stream (QUIZ_ANSWER_STREAM chooses). Events the rule cannot deliver after its
# retries land in a dead-letter queue instead of vanishing.

data "aws_caller_identity" "current" {}

resource "aws_kinesis_stream" "answers" {
  name             = var.stream_name
  shard_count      = var.shard_count
  retention_period = var.retention_hours
  encryption_type  = "KMS"
  kms_key_id       = var.kms_key_arn

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }

  shard_level_metrics = [
    "IncomingBytes",
    "IncomingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
  ]
}

resource "aws_cloudwatch_event_bus" "this" {
  name               = var.bus_name
  kms_key_identifier = var.kms_key_arn
}

resource "aws_cloudwatch_event_rule" "to_kinesis" {
  name           = "${var.bus_name}-${lower(var.rule_detail_type)}-to-kinesis"
  description    = "Forward ${var.rule_detail_type} events from ${var.rule_source} to ${var.stream_name}"
  event_bus_name = aws_cloudwatch_event_bus.this.name

  event_pattern = jsonencode({
    source        = [var.rule_source]
    "detail-type" = [var.rule_detail_type]
  })
}

resource "aws_sqs_queue" "rule_dlq" {
  name                              = "${var.bus_name}-dlq"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

# The plain stream processor's dead-letter queue (QUIZ_STREAM_DEAD_LETTER_QUEUE):
# a record it gave up on after repeated failures that were not outages.
# `quiz dlq redrive` puts its records back on the stream.
resource "aws_sqs_queue" "stream_dlq" {
  name                              = "${var.stream_name}-dlq"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

data "aws_iam_policy_document" "rule_dlq" {
  statement {
    sid       = "RuleDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.rule_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.to_kinesis.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "rule_dlq" {
  queue_url = aws_sqs_queue.rule_dlq.id
  policy    = data.aws_iam_policy_document.rule_dlq.json
}

data "aws_iam_policy_document" "events_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "events_to_kinesis" {
  name               = "${var.bus_name}-to-kinesis"
  assume_role_policy = data.aws_iam_policy_document.events_assume.json
}

data "aws_iam_policy_document" "events_to_kinesis" {
  statement {
    sid       = "PutAnswers"
    actions   = ["kinesis:PutRecord", "kinesis:PutRecords"]
    resources = [aws_kinesis_stream.answers.arn]
  }

  statement {
    sid       = "EncryptAnswers"
    actions   = ["kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "events_to_kinesis" {
  name   = "put-answers"
  role   = aws_iam_role.events_to_kinesis.id
  policy = data.aws_iam_policy_document.events_to_kinesis.json
}

resource "aws_cloudwatch_event_target" "kinesis" {
  rule           = aws_cloudwatch_event_rule.to_kinesis.name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "answer-stream"
  arn            = aws_kinesis_stream.answers.arn
  role_arn       = aws_iam_role.events_to_kinesis.arn

  kinesis_target {
    partition_key_path = var.partition_key_path
  }

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 185
  }

  dead_letter_config {
    arn = aws_sqs_queue.rule_dlq.arn
  }
}
