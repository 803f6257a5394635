output "secret_arns" {
  description = "Secret ARNs by secret name."
  value       = { for name, secret in aws_secretsmanager_secret.this : name => secret.arn }
}
