variable "tables" {
  description = "Tables by name. ttl_attribute names the epoch-seconds attribute after which DynamoDB deletes an item; null turns TTL off."
  type = map(object({
    ttl_attribute = optional(string)
  }))
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the tables."
  type        = string
}
