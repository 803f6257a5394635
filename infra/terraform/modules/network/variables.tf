variable "name" {
  description = "Name prefix of every network resource."
  type        = string
}

variable "cidr_block" {
  description = "CIDR of the VPC; a /16 leaves room for pods (the VPC CNI gives each pod a VPC address)."
  type        = string
  default     = "10.40.0.0/16"
}

variable "azs" {
  description = "The three availability zones the subnets span."
  type        = list(string)

  validation {
    condition     = length(var.azs) == 3
    error_message = "The network spans exactly three availability zones."
  }
}

variable "logs_kms_key_arn" {
  description = "KMS key that encrypts the flow-log group."
  type        = string
}

variable "log_retention_days" {
  description = "How long flow logs are kept."
  type        = number
  default     = 365
}

variable "cluster_name" {
  description = "EKS cluster name, for the subnet discovery tags."
  type        = string
}
