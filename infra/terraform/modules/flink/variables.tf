variable "name" {
  description = "Name of the Managed Flink application."
  type        = string
}

variable "runtime" {
  description = "Managed Service for Apache Flink runtime."
  type        = string
  default     = "FLINK-1_20"
}

variable "start" {
  description = "Run the application (false leaves it stopped, e.g. while the EKS stream-processor consumes instead)."
  type        = bool
  default     = true
}

variable "code_bucket_arn" {
  description = "Bucket holding the job archive."
  type        = string
}

variable "code_key" {
  description = "Object key of the job archive (a zip with the PyFlink job, quizcore and the connector jar)."
  type        = string
}

variable "python_entrypoint" {
  description = "Path of the PyFlink main module inside the archive."
  type        = string
  default     = "flink/job.py"
}

variable "connector_jar" {
  description = "Path of the fat jar with the Kinesis, DynamoDB and SNS connectors inside the archive."
  type        = string
  default     = "lib/quizcore-flink-connectors.jar"
}

variable "parallelism" {
  description = "Starting parallelism (one subtask per shard); Managed Flink autoscaling moves it with load."
  type        = number
}

variable "stream_arn" {
  description = "Kinesis stream the job consumes."
  type        = string
}

variable "answers_table_arn" {
  description = "DynamoDB table the job records answers in."
  type        = string
}

variable "sessions_table_arn" {
  description = "DynamoDB table the job reads session state from."
  type        = string
}

variable "scores_table_arn" {
  description = "DynamoDB table the job stores refused submissions' results in."
  type        = string
}

variable "quiz_events_topic_arn" {
  description = "SNS topic the job publishes AnswerRejected to."
  type        = string
}

variable "stream_result_topic_arn" {
  description = "SNS topic the job publishes AnswerRecorded to."
  type        = string
}

variable "kms_key_arns" {
  description = "Keys of the stream, topic, table and archive."
  type        = list(string)
}

variable "logs_kms_key_arn" {
  description = "KMS key of the application log group."
  type        = string
}

variable "log_retention_days" {
  description = "How long application logs are kept."
  type        = number
  default     = 365
}

variable "job_properties" {
  description = "Settings the job reads from the property group quizcore (the QUIZ_* names)."
  type        = map(string)
}
