output "table_arns" {
  description = "Table ARNs by table name."
  value       = { for name, table in aws_dynamodb_table.this : name => table.arn }
}

output "table_names" {
  description = "Names of the tables."
  value       = [for table in aws_dynamodb_table.this : table.name]
}
