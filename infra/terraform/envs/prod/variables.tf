variable "region" {
  description = "AWS region of the whole stack (QUIZ_AWS_REGION)."
  type        = string
  default     = "eu-west-1"
}

variable "availability_zone_ids" {
  description = "The three availability-zone IDs of the region the network spans (IDs, unlike names, are the same in every account)."
  type        = list(string)
  default     = ["euw1-az1", "euw1-az2", "euw1-az3"]

  validation {
    condition     = length(var.availability_zone_ids) == 3
    error_message = "The network spans exactly three availability zones."
  }
}

variable "name" {
  description = "Prefix of shared resource names (cluster, VPC, keys)."
  type        = string
  default     = "quizcore"
}

variable "environment" {
  description = "Environment name, also the Datadog env tag."
  type        = string
  default     = "prod"
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.33"
}

variable "eks_admin_role_arns" {
  description = "IAM roles (deploy pipeline, operators) that administer the cluster."
  type        = list(string)
  default     = []
}

variable "eks_endpoint_public_access" {
  description = "Open the Kubernetes API endpoint to eks_public_access_cidrs (off: private endpoint only)."
  type        = bool
  default     = false
}

variable "eks_public_access_cidrs" {
  description = "Sources allowed to a public Kubernetes API endpoint."
  type        = list(string)
  default     = []
}

# Sizing the answer stream for 10,000 answers/s.
# A Kinesis shard accepts 1,000 records/s or 1 MiB/s of writes, whichever is hit
# first. A SubmitAnswer record is about 400 bytes of JSON (session, question and
# user ids, the answer, two timestamps).
#   by records: 10,000 records/s / 1,000 per shard           = 10 shards
#   by bytes:   10,000 x 400 B = 4.0 MB/s / 1.048 MB per shard = 3.8 -> 4 shards
# Records bind, so 10 shards carry the steady rate. Add 50 % for the burst when a
# question closes and for uneven keys (one session's answers share a shard so
# they stay ordered): 10 x 1.5 = 15 shards. Reads: 15 x 2 MiB/s = 30 MiB/s for
# the consumers, seven times the write rate.
variable "kinesis_shard_count" {
  description = "Shards of the answer stream (15 carries 10,000 answers/s with 50 % headroom; see above)."
  type        = number
  default     = 15

  validation {
    condition     = var.kinesis_shard_count >= 10
    error_message = "Fewer than 10 shards cannot take 10,000 records/s (1,000 records/s per shard)."
  }
}

variable "flink_start" {
  description = "Run the Managed Flink application; set false when the EKS stream-processor consumes the stream instead."
  type        = bool
  default     = true
}

variable "flink_code_key" {
  description = "Object key of the Flink job archive in the artifacts bucket."
  type        = string
  default     = "flink/quizcore-flink.zip"
}

variable "auth0_domain" {
  description = "Auth0 tenant domain, e.g. the host part of the tenant URL (QUIZ_AUTH0_DOMAIN)."
  type        = string
}

variable "auth0_client_id" {
  description = "Auth0 application client ID (QUIZ_AUTH0_CLIENT_ID)."
  type        = string
}

variable "auth_audience" {
  description = "Audience of the Auth0 API the clients request tokens for (QUIZ_AUTH_AUDIENCE)."
  type        = string
  default     = "quizcore"
}

variable "firebase_project_id" {
  description = "Firebase project of push notifications (QUIZ_FIREBASE_PROJECT_ID)."
  type        = string
}

variable "firebase_database_url" {
  description = "Firebase Realtime Database URL (QUIZ_FIREBASE_DATABASE_URL)."
  type        = string
}
