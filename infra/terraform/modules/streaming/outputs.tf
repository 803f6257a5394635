output "stream_arn" {
  description = "ARN of the answer stream."
  value       = aws_kinesis_stream.answers.arn
}

output "stream_name" {
  description = "Name of the answer stream."
  value       = aws_kinesis_stream.answers.name
}

output "bus_arn" {
  description = "ARN of the event bus."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "bus_name" {
  description = "Name of the event bus."
  value       = aws_cloudwatch_event_bus.this.name
}

output "rule_dlq_url" {
  description = "Dead-letter queue of events the rule could not deliver."
  value       = aws_sqs_queue.rule_dlq.id
}

output "stream_dlq_url" {
  description = "Dead-letter queue of records the stream processor gave up on."
  value       = aws_sqs_queue.stream_dlq.id
}
