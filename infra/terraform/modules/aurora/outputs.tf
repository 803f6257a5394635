output "endpoint" {
  description = "Writer endpoint."
  value       = aws_rds_cluster.this.endpoint
}

output "reader_endpoint" {
  description = "Load-balanced reader endpoint."
  value       = aws_rds_cluster.this.reader_endpoint
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_rds_cluster.this.port
}

output "database_name" {
  description = "Database name."
  value       = aws_rds_cluster.this.database_name
}

output "dsn" {
  description = "asyncpg DSN of the writer, TLS required."
  value       = "postgresql://${var.master_username}:${random_password.master.result}@${aws_rds_cluster.this.endpoint}:${aws_rds_cluster.this.port}/${var.database_name}?sslmode=require"
  sensitive   = true
}
