variable "name" {
  description = "Cluster identifier."
  type        = string
}

variable "engine_version" {
  description = "Aurora PostgreSQL version."
  type        = string
  default     = "16.6"
}

variable "parameter_group_family" {
  description = "Parameter group family matching engine_version."
  type        = string
  default     = "aurora-postgresql16"
}

variable "instance_class" {
  description = "Instance class of the writer and readers."
  type        = string
  default     = "db.r6g.large"
}

variable "azs" {
  description = "One instance per AZ: the writer in the first, readers (failover targets) in the others."
  type        = list(string)
}

variable "database_name" {
  description = "Database created in the cluster."
  type        = string
}

variable "master_username" {
  description = "Owner role of the database."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "subnet_ids" {
  description = "Isolated data subnets."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 5432 (the EKS nodes)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key of storage, snapshots and Performance Insights."
  type        = string
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time restore window)."
  type        = number
  default     = 14
}
