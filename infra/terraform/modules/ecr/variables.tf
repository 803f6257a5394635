variable "name" {
  description = "Repository name; one image serves every deployable."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the images."
  type        = string
}

variable "keep_images" {
  description = "How many tagged images are kept for rollback."
  type        = number
  default     = 50
}
