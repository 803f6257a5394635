variable "name" {
  description = "Name prefix of the gateway resources."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the load balancer and VPC links."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the load balancer and VPC links (three AZs)."
  type        = list(string)
}

variable "node_security_group_id" {
  description = "Security group of the EKS nodes, opened to the load balancer on the node port."
  type        = string
}

variable "node_autoscaling_group_name" {
  description = "Auto Scaling group of the EKS nodes, registered as load-balancer targets."
  type        = string
}

variable "listener_port" {
  description = "Port of the internal load balancer: the API's container port."
  type        = number
  default     = 8000
}

variable "node_port" {
  description = "NodePort of the API Service (k8s/base/api/service.yaml)."
  type        = number
  default     = 30080
}

variable "readiness_path" {
  description = "Readiness route of the API, the target health check."
  type        = string
  default     = "/readyz"
}

variable "websocket_paths" {
  description = "API routes that receive the WebSocket API's $connect, $disconnect and $default events (connection ID in the X-Connection-Id header)."
  type = object({
    connect    = string
    disconnect = string
    message    = string
  })
  default = {
    connect    = "/ws/gateway/connect"
    disconnect = "/ws/gateway/disconnect"
    message    = "/ws/gateway/message"
  }
}

variable "throttling_rate_limit" {
  description = "Steady requests per second of each stage; the answer path needs 10,000/s (raise the account quota to match)."
  type        = number
  default     = 10000
}

variable "throttling_burst_limit" {
  description = "Burst of each stage."
  type        = number
  default     = 5000
}

variable "logs_kms_key_arn" {
  description = "KMS key of the access-log groups."
  type        = string
}

variable "log_retention_days" {
  description = "How long access logs are kept."
  type        = number
  default     = 365
}
