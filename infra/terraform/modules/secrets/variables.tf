variable "secrets" {
  description = "Secrets by name, with what each holds."
  type        = map(string)
}

variable "generated_values" {
  description = "Values terraform knows (built from resources it creates), by secret name; the other secrets are filled by an operator."
  type        = map(string)
  sensitive   = true
}

variable "generated_names" {
  description = "Names of the secrets in generated_values (kept apart: a sensitive map cannot drive for_each)."
  type        = set(string)
}

variable "kms_key_arn" {
  description = "KMS key of the secrets."
  type        = string
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 30
}
