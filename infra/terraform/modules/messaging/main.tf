# SNS topics fanned out to SQS work queues; every queue has a dead-letter queue
# and a redrive policy, so a poison message stops after max_receive_count tries
# instead of blocking a worker forever.

locals {
  subscriptions = merge([
    for topic, config in var.topics : {
      for queue in config.subscribers : "${topic}/${queue}" => {
        topic = topic
        queue = queue
        raw   = config.raw_message_delivery
      }
    }
  ]...)

  # Topics that deliver to each queue, for the queue's access policy.
  publishers = {
    for queue in var.queues : queue => [
      for key, subscription in local.subscriptions : subscription.topic if subscription.queue == queue
    ]
  }
}

resource "aws_sqs_queue" "dlq" {
  for_each = var.queues

  name                              = "${each.key}-dlq"
  message_retention_seconds         = var.dlq_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "queue" {
  for_each = var.queues

  name                              = each.key
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  message_retention_seconds         = var.message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only its own work queue may send to a dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each = var.queues

  queue_url = aws_sqs_queue.dlq[each.key].id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.queue[each.key].arn]
  })
}

resource "aws_sns_topic" "this" {
  for_each = var.topics

  name              = each.key
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "this" {
  for_each = local.subscriptions

  topic_arn            = aws_sns_topic.this[each.value.topic].arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.queue[each.value.queue].arn
  raw_message_delivery = each.value.raw
  # Each queue takes only the event types it handles (the message attribute
  # "type", set by the publisher), as quizcore/routing.py routes them.
  filter_policy = (
    contains(keys(var.queue_kinds), each.value.queue)
    ? jsonencode({ type = var.queue_kinds[each.value.queue] })
    : null
  )
}

data "aws_iam_policy_document" "queue" {
  for_each = var.queues

  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.queue[each.key].arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = length(local.publishers[each.key]) > 0 ? [local.publishers[each.key]] : []

    content {
      sid       = "SubscribedTopicsSend"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.queue[each.key].arn]

      principals {
        type        = "Service"
        identifiers = ["sns.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [for topic in statement.value : aws_sns_topic.this[topic].arn]
      }
    }
  }
}

resource "aws_sqs_queue_policy" "queue" {
  for_each = var.queues

  queue_url = aws_sqs_queue.queue[each.key].id
  policy    = data.aws_iam_policy_document.queue[each.key].json
}
