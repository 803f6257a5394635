output "queue_arns" {
  description = "Work-queue ARNs by queue name."
  value       = { for name, queue in aws_sqs_queue.queue : name => queue.arn }
}

output "queue_urls" {
  description = "Work-queue URLs by queue name."
  value       = { for name, queue in aws_sqs_queue.queue : name => queue.id }
}

output "dlq_arns" {
  description = "Dead-letter-queue ARNs by work-queue name."
  value       = { for name, queue in aws_sqs_queue.dlq : name => queue.arn }
}

output "topic_arns" {
  description = "Topic ARNs by topic name."
  value       = { for name, topic in aws_sns_topic.this : name => topic.arn }
}
