# One IAM role for one Kubernetes service account (IRSA). Each *_arns input
# grants one fixed set of actions of one AWS service on exactly the resources
# listed, nothing else: a deployable gets the inputs its own work needs.

variable "name" {
  description = "Role name."
  type        = string
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider."
  type        = string
}

variable "oidc_issuer" {
  description = "Issuer host and path of the cluster's OIDC provider (no https://)."
  type        = string
}

variable "namespace" {
  description = "Namespace of the service account."
  type        = string
}

variable "service_account" {
  description = "Name of the service account that may assume the role."
  type        = string
}

variable "sqs_consume_arns" {
  description = "Queues the deployable receives from and deletes on."
  type        = list(string)
  default     = []
}

variable "sqs_metrics_arns" {
  description = "Queues whose depth the deployable reads (autoscaling), without touching messages."
  type        = list(string)
  default     = []
}

variable "sns_publish_arns" {
  description = "Topics the deployable publishes to."
  type        = list(string)
  default     = []
}

variable "kinesis_write_arns" {
  description = "Streams the deployable puts records on."
  type        = list(string)
  default     = []
}

variable "kinesis_read_arns" {
  description = "Streams the deployable consumes."
  type        = list(string)
  default     = []
}

variable "eventbridge_put_arns" {
  description = "Event buses the deployable puts events on."
  type        = list(string)
  default     = []
}

variable "dynamodb_read_write_arns" {
  description = "Tables the deployable reads and writes."
  type        = list(string)
  default     = []
}

variable "dynamodb_read_arns" {
  description = "Tables the deployable only reads."
  type        = list(string)
  default     = []
}

variable "secret_arns" {
  description = "Secrets Manager secrets the deployable reads (through its ExternalSecret)."
  type        = list(string)
  default     = []
}

variable "kms_key_arns" {
  description = "KMS keys the deployable encrypts and decrypts with (encrypted queues, topics, streams, secrets)."
  type        = list(string)
  default     = []
}

variable "websocket_connection_arns" {
  description = "API Gateway WebSocket @connections resources the deployable posts to."
  type        = list(string)
  default     = []
}
