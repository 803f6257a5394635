# Monitors, SLOs and the dashboard of the service objectives (Datadog, from the
# DogStatsD metrics the code emits), and CloudWatch alarms on what AWS measures.
# docs/OPERATIONS.md states the objectives; docs/RUNBOOK.md has one section per
# alarm and monitor, linked from each (the section is the alarm's key).
# tests/integration/infra/test_monitoring.py checks every Datadog query names
# a metric, tag and hop the code really emits.

provider "datadog" {
  api_url = var.datadog_api_url
  # DD_API_KEY and DD_APP_KEY come from the deploy pipeline's environment.
}

locals {
  alarm_prefix = var.name
  dd_env       = "env:${var.environment}"
  dd_notify    = join(" ", var.datadog_notify)
  dd_tags      = ["service:quizcore", "env:${var.environment}", "team:quizcore", "managed-by:terraform"]

  # Probes are not traffic: the kubelet's calls would dilute the ratios.
  not_probes = "!route:/healthz,!route:/readyz"

  # The three work queues (module.messaging), the rule's dead-letter queue
  # and the stream processor's (module.streaming).
  work_queues = ["quizcore-score-event", "quizcore-ui-response", "quizcore-quiz-result"]
  event_bus   = "quizcore-stream-events"
  stream      = "quizcore-answers"
  dead_letter_queues = merge(
    { for queue in local.work_queues : queue => "${queue}-dlq" },
    { (local.event_bus) = "${local.event_bus}-dlq" },
    { (local.stream) = "${local.stream}-dlq" },
  )
  dynamodb_tables     = ["quizcore-answers", "quizcore-scores", "quizcore-sessions"]
  dynamodb_operations = ["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "Query", "TransactWriteItems"]

  # Nodes of the ElastiCache replication group "quizcore": one per zone.
  redis_nodes    = [for index in range(length(var.availability_zone_ids)) : format("quizcore-%03d", index + 1)]
  aurora_cluster = "quizcore"

  # Datadog monitors: key (the RUNBOOK.md section) => definition. Thresholds
  # in the query equal `critical`.
  monitors = {
    "api-5xx-ratio" = {
      name     = "API 5xx ratio"
      query    = "sum(last_10m):sum:quizcore.http.requests{${local.dd_env},status_class:5xx,${local.not_probes}}.as_count() / sum:quizcore.http.requests{${local.dd_env},${local.not_probes}}.as_count() > 0.01"
      critical = 0.01
      warning  = 0.005
      what     = "More than 1 % of API responses were 5xx over 10 minutes (objective 1 burns its monthly budget in hours)."
    }
    "api-latency-p99" = {
      name     = "API p99 latency"
      query    = "avg(last_10m):max:quizcore.http.request_ms.99percentile{${local.dd_env},${local.not_probes},!route:/v1/sessions/:session_id/answers} > ${var.slo_api_latency_ms}"
      critical = var.slo_api_latency_ms
      warning  = var.slo_api_latency_ms * 0.75
      what     = "The API's p99 response time is above objective 2."
    }
    "answer-to-result-p99" = {
      name     = "Answer to result p99"
      query    = "avg(last_5m):max:quizcore.pipeline.lag_ms.99percentile{${local.dd_env},hop:score-event,type:answerrecorded} > ${var.slo_answer_to_result_ms}"
      critical = var.slo_answer_to_result_ms
      warning  = var.slo_answer_to_result_ms * 0.75
      what     = "Answers take longer than objective 3 from receipt to result (stream, stream processor and score-event queue together)."
    }
    "stream-processor-lag-p99" = {
      name     = "Stream processor lag p99"
      query    = "avg(last_5m):max:quizcore.pipeline.lag_ms.99percentile{${local.dd_env},hop:stream-processor,type:submitanswer} > ${var.slo_stream_lag_ms}"
      critical = var.slo_stream_lag_ms
      warning  = var.slo_stream_lag_ms * 0.75
      what     = "The stream processor records answers later than objective 5 after their receipt."
    }
    "leaderboard-push-p99" = {
      name     = "Leaderboard push p99"
      query    = "avg(last_5m):max:quizcore.leaderboard.push_ms.99percentile{${local.dd_env}} > ${var.slo_leaderboard_push_ms}"
      critical = var.slo_leaderboard_push_ms
      warning  = var.slo_leaderboard_push_ms * 0.75
      what     = "Pushing one leaderboard frame to a room takes longer than objective 4 allows."
    }
    "pipeline-failures" = {
      name     = "Pipeline failures"
      query    = "sum(last_10m):sum:quizcore.pipeline.failed{${local.dd_env}} by {hop}.as_count() / sum:quizcore.pipeline.handle_ms.count{${local.dd_env}} by {hop}.as_count() > 0.001"
      critical = 0.001
      warning  = 0.0005
      what     = "More than 0.1 % of a hop's messages failed (objective 7); they are retried and then dead-lettered."
    }
    "answers-rejected-unavailable" = {
      name     = "Answers refused: store unavailable"
      query    = "sum(last_5m):sum:quizcore.answers.rejected{${local.dd_env},reason:unavailable}.as_count() > 20"
      critical = 20
      warning  = 5
      what     = "Answers were refused because a store did not answer (players saw 503 unavailable)."
    }
  }

  # The dashboard: title => query, in order.
  dashboard_series = [
    ["HTTP responses by status class", "sum:quizcore.http.requests{${local.dd_env},${local.not_probes}} by {status_class}.as_count()"],
    ["API p99 latency by route (ms)", "max:quizcore.http.request_ms.99percentile{${local.dd_env},${local.not_probes}} by {route}"],
    ["Answers received by channel", "sum:quizcore.answers.received{${local.dd_env}} by {via}.as_count()"],
    ["Answers scored", "sum:quizcore.answers.scored{${local.dd_env}}.as_count()"],
    ["Answers refused by reason", "sum:quizcore.answers.rejected{${local.dd_env}} by {reason}.as_count()"],
    ["Answer lag p99 by hop (ms)", "max:quizcore.pipeline.lag_ms.99percentile{${local.dd_env}} by {hop}"],
    ["Handler time p95 by hop (ms)", "max:quizcore.pipeline.handle_ms.95percentile{${local.dd_env}} by {hop,type}"],
    ["Handler failures by hop", "sum:quizcore.pipeline.failed{${local.dd_env}} by {hop,type}.as_count()"],
    ["Leaderboard push p99 by room size (ms)", "max:quizcore.leaderboard.push_ms.99percentile{${local.dd_env}} by {receivers}"],
    ["Live connections", "sum:quizcore.websocket.connections{${local.dd_env}}"],
  ]
}

# --- Datadog ------------------------------------------------------------------

resource "datadog_monitor" "objective" {
  for_each = local.monitors

  name    = "quizcore ${var.environment}: ${each.value.name}"
  type    = "query alert"
  query   = each.value.query
  message = "${each.value.what}\nRunbook: ${var.runbook_url}#${each.key}\n${local.dd_notify}"

  monitor_thresholds {
    critical = each.value.critical
    warning  = each.value.warning
  }

  # No traffic is not an outage (a quiet night); the CloudWatch alarms and the
  # readiness probes catch a dead pipeline.
  notify_no_data      = false
  require_full_window = false
  renotify_interval   = 60
  include_tags        = true
  tags                = concat(local.dd_tags, ["runbook:${each.key}"])
}

resource "datadog_service_level_objective" "api_availability" {
  name        = "quizcore ${var.environment}: API availability"
  type        = "metric"
  description = "Objective 1 of docs/OPERATIONS.md: API responses that are not 5xx, probes excluded."

  query {
    numerator   = "sum:quizcore.http.requests{${local.dd_env},!status_class:5xx,${local.not_probes}}.as_count()"
    denominator = "sum:quizcore.http.requests{${local.dd_env},${local.not_probes}}.as_count()"
  }

  thresholds {
    timeframe = "30d"
    target    = var.slo_api_availability
    warning   = var.slo_api_availability + (100 - var.slo_api_availability) / 2
  }

  tags = local.dd_tags
}

resource "datadog_service_level_objective" "answer_to_result" {
  name        = "quizcore ${var.environment}: answer to result"
  type        = "monitor"
  description = "Objective 3 of docs/OPERATIONS.md: time the answer-to-result p99 monitor is green."
  monitor_ids = [datadog_monitor.objective["answer-to-result-p99"].id]

  thresholds {
    timeframe = "30d"
    target    = 99.5
    warning   = 99.75
  }

  tags = local.dd_tags
}

resource "datadog_dashboard" "quizcore" {
  title       = "quizcore ${var.environment}: service objectives"
  description = "The objectives of docs/OPERATIONS.md and the metrics behind them. Managed by terraform."
  layout_type = "ordered"

  widget {
    service_level_objective_definition {
      title             = "API availability (30 days)"
      view_type         = "detail"
      view_mode         = "overall"
      slo_id            = datadog_service_level_objective.api_availability.id
      time_windows      = ["7d", "30d"]
      show_error_budget = true
    }
  }

  dynamic "widget" {
    for_each = local.dashboard_series

    content {
      timeseries_definition {
        title = widget.value[0]

        request {
          q            = widget.value[1]
          display_type = "line"
        }
      }
    }
  }
}

# --- CloudWatch -----------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "kinesis_iterator_age" {
  alarm_name          = "${local.alarm_prefix}-kinesis-iterator-age"
  alarm_description   = "The answer stream is read more than ${var.kinesis_iterator_age_ms} ms behind (objective 5). Runbook: ${var.runbook_url}#kinesis-iterator-age"
  namespace           = "AWS/Kinesis"
  metric_name         = "GetRecords.IteratorAgeMilliseconds"
  dimensions          = { StreamName = module.streaming.stream_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  threshold           = var.kinesis_iterator_age_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "kinesis_throttles" {
  for_each = {
    write = "WriteProvisionedThroughputExceeded"
    read  = "ReadProvisionedThroughputExceeded"
  }

  alarm_name          = "${local.alarm_prefix}-kinesis-${each.key}-throttles"
  alarm_description   = "Kinesis refused ${each.key}s of the answer stream (${each.value}). Runbook: ${var.runbook_url}#kinesis-throttles"
  namespace           = "AWS/Kinesis"
  metric_name         = each.value
  dimensions          = { StreamName = module.streaming.stream_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "sqs_oldest_message" {
  for_each = toset(local.work_queues)

  alarm_name          = "${local.alarm_prefix}-sqs-oldest-${trimprefix(each.key, "quizcore-")}"
  alarm_description   = "The oldest message of ${each.key} waits more than ${var.sqs_oldest_message_s} s (objective 6). Runbook: ${var.runbook_url}#sqs-oldest-message"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.key }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.sqs_oldest_message_s
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  for_each = local.dead_letter_queues

  alarm_name          = "${local.alarm_prefix}-dlq-${trimprefix(each.key, "quizcore-")}"
  alarm_description   = "A message is in ${each.value}, the dead-letter queue of ${each.key} (objective 7). Runbook: ${var.runbook_url}#dead-letters"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  for_each = toset(local.dynamodb_tables)

  alarm_name          = "${local.alarm_prefix}-dynamodb-throttles-${trimprefix(each.key, "quizcore-")}"
  alarm_description   = "DynamoDB throttled reads or writes of ${each.key}. Runbook: ${var.runbook_url}#dynamodb-throttles"
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id          = "throttles"
    expression  = "reads + writes"
    label       = "Throttled events"
    return_data = true
  }

  metric_query {
    id = "reads"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = each.key }
      stat        = "Sum"
      period      = 60
    }
  }

  metric_query {
    id = "writes"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = each.key }
      stat        = "Sum"
      period      = 60
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "dynamodb_system_errors" {
  for_each = toset(local.dynamodb_tables)

  alarm_name          = "${local.alarm_prefix}-dynamodb-system-errors-${trimprefix(each.key, "quizcore-")}"
  alarm_description   = "DynamoDB answered 500 to requests on ${each.key}. Runbook: ${var.runbook_url}#dynamodb-system-errors"
  evaluation_periods  = 5
  datapoints_to_alarm = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id          = "errors"
    expression  = "SUM(METRICS())"
    label       = "System errors"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = local.dynamodb_operations

    content {
      id = lower(metric_query.value)
      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "SystemErrors"
        dimensions  = { TableName = each.key, Operation = metric_query.value }
        stat        = "Sum"
        period      = 60
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "flink_checkpoint_failures" {
  alarm_name          = "${local.alarm_prefix}-flink-checkpoint-failures"
  alarm_description   = "The Flink job failed checkpoints: a restart would replay from an older position. Runbook: ${var.runbook_url}#flink-checkpoint-failures"
  namespace           = "AWS/KinesisAnalytics"
  metric_name         = "numberOfFailedCheckpoints"
  dimensions          = { Application = module.flink.application_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "flink_downtime" {
  alarm_name          = "${local.alarm_prefix}-flink-downtime"
  alarm_description   = "The Flink job is restarting or failing (downtime above zero): answers are not being recorded. Runbook: ${var.runbook_url}#flink-downtime"
  namespace           = "AWS/KinesisAnalytics"
  metric_name         = "downtime"
  dimensions          = { Application = module.flink.application_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "redis_evictions" {
  for_each = toset(local.redis_nodes)

  alarm_name          = "${local.alarm_prefix}-redis-evictions-${each.key}"
  alarm_description   = "Redis node ${each.key} evicted keys: leaderboards or the fan-out may have lost entries. Runbook: ${var.runbook_url}#redis-evictions"
  namespace           = "AWS/ElastiCache"
  metric_name         = "Evictions"
  dimensions          = { CacheClusterId = each.key }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "redis_cpu" {
  for_each = toset(local.redis_nodes)

  alarm_name          = "${local.alarm_prefix}-redis-cpu-${each.key}"
  alarm_description   = "Redis node ${each.key} uses more than 80 % of its engine thread. Runbook: ${var.runbook_url}#redis-cpu"
  namespace           = "AWS/ElastiCache"
  metric_name         = "EngineCPUUtilization"
  dimensions          = { CacheClusterId = each.key }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 4
  threshold           = 80
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "aurora_cpu" {
  alarm_name          = "${local.alarm_prefix}-aurora-cpu"
  alarm_description   = "The Aurora cluster's instances use more than 80 % CPU. Runbook: ${var.runbook_url}#aurora-cpu"
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBClusterIdentifier = local.aurora_cluster }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 8
  threshold           = 80
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "aurora_connections" {
  alarm_name          = "${local.alarm_prefix}-aurora-connections"
  alarm_description   = "The Aurora cluster holds more than ${var.aurora_max_connections} connections. Runbook: ${var.runbook_url}#aurora-connections"
  namespace           = "AWS/RDS"
  metric_name         = "DatabaseConnections"
  dimensions          = { DBClusterIdentifier = local.aurora_cluster }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.aurora_max_connections
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "apigw_http_5xx" {
  alarm_name          = "${local.alarm_prefix}-apigw-http-5xx"
  alarm_description   = "More than 1 % of the HTTP API's responses at the edge were 5xx (objective 1). Runbook: ${var.runbook_url}#apigw-http-5xx"
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = 1
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  metric_query {
    id          = "ratio"
    expression  = "IF(requests > 0, 100 * errors / requests, 0)"
    label       = "5xx percentage"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "5xx"
      dimensions  = { ApiId = module.api_gateway.http_api_id, Stage = "$default" }
      stat        = "Sum"
      period      = 60
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = { ApiId = module.api_gateway.http_api_id, Stage = "$default" }
      stat        = "Sum"
      period      = 60
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "apigw_http_latency" {
  alarm_name          = "${local.alarm_prefix}-apigw-http-latency"
  alarm_description   = "The HTTP API's p99 latency at the edge is above 2.5 s (the answers route may wait 2 s by Prefer: wait). Runbook: ${var.runbook_url}#apigw-http-latency"
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = { ApiId = module.api_gateway.http_api_id, Stage = "$default" }
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 10
  datapoints_to_alarm = 5
  threshold           = 2500
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "apigw_websocket_errors" {
  alarm_name          = "${local.alarm_prefix}-apigw-websocket-errors"
  alarm_description   = "The WebSocket API could not reach the API (integration errors). Runbook: ${var.runbook_url}#apigw-http-5xx"
  namespace           = "AWS/ApiGateway"
  metric_name         = "IntegrationError"
  dimensions          = { ApiId = module.api_gateway.websocket_api_id, Stage = "live" }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = 10
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
}
