variable "bucket_name" {
  description = "Name of the bucket that holds deployable artifacts (the Flink job archive)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the objects."
  type        = string
}

variable "noncurrent_version_days" {
  description = "How long a replaced artifact is kept, for rollback."
  type        = number
  default     = 90
}
