variable "stream_name" {
  description = "Name of the answer stream."
  type        = string
}

variable "shard_count" {
  description = "Shards of the answer stream (see the sizing in the environment)."
  type        = number
}

variable "retention_hours" {
  description = "How long records stay readable, for replay after a consumer outage."
  type        = number
  default     = 48
}

variable "bus_name" {
  description = "Name of the custom EventBridge bus the score service may publish to."
  type        = string
}

variable "rule_source" {
  description = "Event source the forwarding rule matches."
  type        = string
}

variable "rule_detail_type" {
  description = "Detail type the forwarding rule matches."
  type        = string
}

variable "partition_key_path" {
  description = "JSON path of the Kinesis partition key in the event ($.detail.partition_key: session and participant, so a session spreads over every shard while each participant's answers stay ordered on one)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the stream, the bus and the rule's dead-letter queue."
  type        = string
}
