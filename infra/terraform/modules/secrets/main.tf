# Secrets the deployables read through External Secrets. Values terraform
# creates (the Aurora DSN, the Redis AUTH token) are written here; values owned
# by third parties (Auth0, Firebase) are put by an operator after the first
# apply, so they never enter the terraform state.

resource "aws_secretsmanager_secret" "this" {
  for_each = var.secrets

  name                    = each.key
  description             = each.value
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_days
}

resource "aws_secretsmanager_secret_version" "generated" {
  for_each = var.generated_names

  secret_id     = aws_secretsmanager_secret.this[each.key].id
  secret_string = var.generated_values[each.key]
}
