# Inputs of monitoring.tf: where alarms go and the thresholds of the service
# objectives (docs/OPERATIONS.md).

variable "alarm_topic_arn" {
  description = "SNS topic every CloudWatch alarm notifies (alarm and recovery); subscribe the on-call pager to it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be the ARN of an SNS topic."
  }
}

variable "datadog_api_url" {
  description = "Datadog API of the organisation's site (e.g. https://api.datadoghq.eu/). Keys come from DD_API_KEY and DD_APP_KEY."
  type        = string
  default     = "https://api.datadoghq.eu/"
}

variable "datadog_notify" {
  description = "Datadog notification handles of the monitors (e.g. @pagerduty-quizcore, @slack-quizcore-ops)."
  type        = list(string)
  default     = []
}

variable "runbook_url" {
  description = "Where docs/RUNBOOK.md is published; alarms link to its sections (#alarm-name)."
  type        = string
  default     = "docs/RUNBOOK.md"
}

variable "slo_api_availability" {
  description = "Objective 1: percentage of API responses that are not 5xx over 30 days."
  type        = number
  default     = 99.9
}

variable "slo_answer_to_result_ms" {
  description = "Objective 3: p99 from an answer's receipt to its result, in milliseconds."
  type        = number
  default     = 1000
}

variable "slo_api_latency_ms" {
  description = "Objective 2: p99 API response time outside POST answers, in milliseconds."
  type        = number
  default     = 500
}

variable "slo_leaderboard_push_ms" {
  description = "Objective 4: p99 time to push one leaderboard frame to a room, in milliseconds."
  type        = number
  default     = 300
}

variable "slo_stream_lag_ms" {
  description = "Objective 5: p99 from an answer's receipt to its recording by the stream processor, in milliseconds."
  type        = number
  default     = 500
}

variable "kinesis_iterator_age_ms" {
  description = "Objective 5: the oldest unread record of the answer stream, in milliseconds."
  type        = number
  default     = 5000
}

variable "sqs_oldest_message_s" {
  description = "Objective 6: the oldest message of a work queue, in seconds."
  type        = number
  default     = 30
}

variable "aurora_max_connections" {
  description = "Aurora connections above which the cluster is near its limit (the pools of the API and quiz-event pods add up)."
  type        = number
  default     = 400
}
