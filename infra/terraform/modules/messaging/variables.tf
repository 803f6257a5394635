variable "queues" {
  description = "Work queues by name; each gets a dead-letter queue named <name>-dlq."
  type        = set(string)
}

variable "topics" {
  description = "SNS topics by name, with the queues subscribed to each."
  type = map(object({
    subscribers          = list(string)
    raw_message_delivery = optional(bool, true)
  }))
}

variable "queue_kinds" {
  description = "Event types each queue takes (its subscription's filter policy), by queue."
  type        = map(list(string))
  default     = {}
}

variable "kms_key_arn" {
  description = "KMS key of topics and queues; its policy must let sns.amazonaws.com use it."
  type        = string
}

variable "max_receive_count" {
  description = "Deliveries before a message moves to the dead-letter queue."
  type        = number
  default     = 5
}

variable "visibility_timeout_seconds" {
  description = "How long a received message stays hidden from other consumers."
  type        = number
  default     = 60
}

variable "message_retention_seconds" {
  description = "How long an unprocessed message waits in a work queue (4 days)."
  type        = number
  default     = 345600
}

variable "dlq_retention_seconds" {
  description = "How long a dead letter is kept for inspection and redrive (14 days, the maximum)."
  type        = number
  default     = 1209600
}
