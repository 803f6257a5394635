output "primary_endpoint" {
  description = "Address of the primary (writes and leaderboard reads)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "port" {
  description = "Redis port."
  value       = aws_elasticache_replication_group.this.port
}

output "auth_token" {
  description = "AUTH token of the replication group."
  value       = random_password.auth.result
  sensitive   = true
}

output "url" {
  description = "rediss:// URL (TLS) with the AUTH token, database 0."
  value       = "rediss://:${random_password.auth.result}@${aws_elasticache_replication_group.this.primary_endpoint_address}:${aws_elasticache_replication_group.this.port}/0"
  sensitive   = true
}
