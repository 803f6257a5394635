variable "name" {
  description = "Cluster name."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and nodes."
  type        = string
  default     = "1.33"
}

variable "subnet_ids" {
  description = "Private subnets of the nodes and the control-plane ENIs (three AZs)."
  type        = list(string)
}

variable "secrets_kms_key_arn" {
  description = "KMS key for envelope encryption of Kubernetes secrets."
  type        = string
}

variable "ebs_kms_key_arn" {
  description = "KMS key of the node root volumes."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key of the control-plane log group."
  type        = string
}

variable "log_retention_days" {
  description = "How long control-plane logs are kept."
  type        = number
  default     = 365
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API endpoint on the internet (off: reach it from inside the VPC, a VPN or a bastion)."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "Sources allowed to the public endpoint when it is on."
  type        = list(string)
  default     = []
}

variable "admin_role_arns" {
  description = "IAM roles (deploy pipeline, operators) granted cluster-admin through EKS access entries."
  type        = list(string)
  default     = []
}

variable "instance_types" {
  description = "Instance types of the node group."
  type        = list(string)
  default     = ["m6i.xlarge"]
}

variable "node_min_size" {
  description = "Fewest nodes (one per AZ at least)."
  type        = number
  default     = 3
}

variable "node_desired_size" {
  description = "Nodes at creation; the cluster autoscaler owns it afterwards."
  type        = number
  default     = 3
}

variable "node_max_size" {
  description = "Most nodes."
  type        = number
  default     = 12
}

variable "node_disk_gib" {
  description = "Root volume size of a node."
  type        = number
  default     = 50
}
