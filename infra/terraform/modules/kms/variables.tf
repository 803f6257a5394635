variable "name" {
  description = "Key alias without the alias/ prefix."
  type        = string
}

variable "description" {
  description = "What the key encrypts."
  type        = string
}

variable "service_principals" {
  description = "AWS services (such as sns.amazonaws.com) that encrypt or decrypt with this key themselves, on behalf of this account only."
  type        = list(string)
  default     = []
}

variable "allow_cloudwatch_logs" {
  description = "Let CloudWatch Logs in this region encrypt this account's log groups with the key."
  type        = bool
  default     = false
}

variable "allow_autoscaling" {
  description = "Let the Auto Scaling service-linked role use the key for EBS volumes of EKS nodes."
  type        = bool
  default     = false
}
