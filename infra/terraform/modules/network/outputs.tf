output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets (EKS nodes and pods), in AZ order."
  value       = [for az in var.azs : aws_subnet.private[az].id]
}

output "data_subnet_ids" {
  description = "Isolated subnets (Aurora, ElastiCache), in AZ order."
  value       = [for az in var.azs : aws_subnet.data[az].id]
}

output "public_subnet_ids" {
  description = "Public subnets (NAT gateways), in AZ order."
  value       = [for az in var.azs : aws_subnet.public[az].id]
}
