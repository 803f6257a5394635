# The Flink job (7.3): reads SubmitAnswer records, checks that the question is
# open, records each answer once in DynamoDB and publishes AnswerRecorded to SNS.
# It reaches only AWS service endpoints, so it runs outside the VPC.

data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/kinesis-analytics/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

resource "aws_cloudwatch_log_stream" "this" {
  name           = "application"
  log_group_name = aws_cloudwatch_log_group.this.name
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["kinesisanalytics.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ReadJobArchive"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${var.code_bucket_arn}/${var.code_key}"]
  }

  statement {
    sid = "ConsumeAnswers"
    actions = [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "kinesis:ListShards",
    ]
    resources = [var.stream_arn]
  }

  statement {
    sid = "RecordAnswers"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:Query",
      "dynamodb:PutItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:DescribeTable",
    ]
    resources = [var.answers_table_arn]
  }

  # Validation reads the session state, its participants and serve times.
  statement {
    sid       = "ReadSessions"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
    resources = [var.sessions_table_arn]
  }

  # A refused submission's result is stored so a retry gets the same answer.
  statement {
    sid       = "StoreRejections"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [var.scores_table_arn]
  }

  # AnswerRecorded goes to the stream-result topic, AnswerRejected to quiz-events.
  statement {
    sid       = "PublishStreamResults"
    actions   = ["sns:Publish"]
    resources = [var.stream_result_topic_arn, var.quiz_events_topic_arn]
  }

  statement {
    sid       = "UseKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = var.kms_key_arns
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_kinesisanalyticsv2_application" "this" {
  name                   = var.name
  runtime_environment    = var.runtime
  service_execution_role = aws_iam_role.this.arn
  start_application      = var.start

  application_configuration {
    application_code_configuration {
      code_content_type = "ZIPFILE"

      code_content {
        s3_content_location {
          bucket_arn = var.code_bucket_arn
          file_key   = var.code_key
        }
      }
    }

    environment_properties {
      # Managed Flink starts PyFlink jobs from these two properties.
      property_group {
        property_group_id = "kinesis.analytics.flink.run.options"
        property_map = {
          python  = var.python_entrypoint
          jarfile = var.connector_jar
        }
      }

      property_group {
        property_group_id = "quizcore"
        property_map      = var.job_properties
      }
    }

    flink_application_configuration {
      checkpoint_configuration {
        configuration_type = "DEFAULT"
      }

      monitoring_configuration {
        configuration_type = "CUSTOM"
        log_level          = "INFO"
        metrics_level      = "TASK"
      }

      parallelism_configuration {
        configuration_type   = "CUSTOM"
        auto_scaling_enabled = true
        parallelism          = var.parallelism
        parallelism_per_kpu  = 1
      }
    }

    application_snapshot_configuration {
      snapshots_enabled = true
    }
  }

  cloudwatch_logging_options {
    log_stream_arn = aws_cloudwatch_log_stream.this.arn
  }

  depends_on = [aws_iam_role_policy.this]
}
