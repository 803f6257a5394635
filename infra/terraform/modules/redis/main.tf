# Leaderboards and caches (8.3): Redis replication group with a primary and two
# replicas in three AZs, automatic failover, TLS in transit, encryption at rest
# and an AUTH token that lives in Secrets Manager.

resource "random_password" "auth" {
  # Letters and digits only: the token goes into a redis:// URL unescaped.
  length  = 64
  special = false
}

resource "aws_elasticache_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
}

resource "aws_security_group" "this" {
  name        = "${var.name}-redis"
  description = "ElastiCache Redis of ${var.name}: 6379 from the EKS nodes only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each = toset(var.client_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "Redis TLS from the EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = each.value
}

resource "aws_cloudwatch_log_group" "slow_log" {
  name              = "/aws/elasticache/${var.name}/slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id        = var.name
  description                 = "Leaderboards and caches of ${var.name}"
  engine                      = "redis"
  engine_version              = var.engine_version
  node_type                   = var.node_type
  port                        = 6379
  parameter_group_name        = "default.redis7"
  num_cache_clusters          = length(var.azs)
  preferred_cache_cluster_azs = var.azs
  automatic_failover_enabled  = true
  multi_az_enabled            = true
  subnet_group_name           = aws_elasticache_subnet_group.this.name
  security_group_ids          = [aws_security_group.this.id]
  at_rest_encryption_enabled  = true
  kms_key_id                  = var.kms_key_arn
  transit_encryption_enabled  = true
  auth_token                  = random_password.auth.result
  auto_minor_version_upgrade  = true
  snapshot_retention_limit    = 7
  snapshot_window             = "03:00-04:00"
  maintenance_window          = "sun:05:00-sun:06:00"

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
}
