# Real-time tables: on-demand capacity (a quiz turns from idle to 10,000 writes/s
# in seconds), point-in-time recovery, customer-managed encryption, and TTL on
# data that only matters while a session is live. Every table has the same
# generic key schema (pk, sk) the adapters use.

resource "aws_dynamodb_table" "this" {
  for_each = var.tables

  name                        = each.key
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = true

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  ttl {
    enabled        = each.value.ttl_attribute != null
    attribute_name = each.value.ttl_attribute != null ? each.value.ttl_attribute : ""
  }
}
