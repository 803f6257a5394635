variable "name" {
  description = "Replication group ID."
  type        = string
}

variable "engine_version" {
  description = "Redis OSS version."
  type        = string
  default     = "7.1"
}

variable "node_type" {
  description = "Cache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "azs" {
  description = "One node per AZ: a primary and two replicas."
  type        = list(string)
}

variable "vpc_id" {
  description = "VPC of the cache."
  type        = string
}

variable "subnet_ids" {
  description = "Isolated data subnets."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 6379 (the EKS nodes)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key of data at rest and snapshots."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key of the slow-log group."
  type        = string
}

variable "log_retention_days" {
  description = "How long slow logs are kept."
  type        = number
  default     = 365
}
