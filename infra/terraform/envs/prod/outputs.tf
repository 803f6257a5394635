# Every name and address the deployables read, and the two env files the k8s
# prod overlay is built from (infra/DEPLOYING.md).

output "region" {
  description = "QUIZ_AWS_REGION."
  value       = var.region
}

output "cluster_name" {
  description = "EKS cluster (aws eks update-kubeconfig --name ...)."
  value       = module.eks.cluster_name
}

output "ecr_repository_url" {
  description = "Where the image is pushed."
  value       = module.ecr.repository_url
}

output "artifacts_bucket" {
  description = "Bucket the Flink job archive is uploaded to."
  value       = module.artifacts.bucket_name
}

output "flink_application_name" {
  description = "Managed Flink application (the stream processor in AWS)."
  value       = module.flink.application_name
}

output "dynamodb_tables" {
  description = "QUIZ_DYNAMODB_ANSWERS_TABLE, QUIZ_DYNAMODB_SCORES_TABLE, QUIZ_DYNAMODB_SESSIONS_TABLE."
  value       = module.dynamodb.table_names
}

output "kinesis_stream" {
  description = "QUIZ_KINESIS_STREAM."
  value       = module.streaming.stream_name
}

output "eventbridge_bus" {
  description = "QUIZ_EVENTBRIDGE_BUS."
  value       = module.streaming.bus_name
}

output "eventbridge_rule_dlq_url" {
  description = "Events the bus rule could not deliver to the stream."
  value       = module.streaming.rule_dlq_url
}

output "sns_topic_arns" {
  description = "QUIZ_SNS_STREAM_RESULT_TOPIC and QUIZ_SNS_QUIZ_EVENTS_TOPIC (names are the keys)."
  value       = module.messaging.topic_arns
}

output "sqs_queue_urls" {
  description = "QUIZ_SQS_SCORE_EVENT_QUEUE, QUIZ_SQS_UI_RESPONSE_QUEUE, QUIZ_SQS_QUIZ_RESULT_QUEUE (names are the keys)."
  value       = module.messaging.queue_urls
}

output "sqs_dead_letter_queue_arns" {
  description = "Dead-letter queue of each work queue."
  value       = module.messaging.dlq_arns
}

output "secret_arns" {
  description = "Secrets read by the ExternalSecrets of the deployables."
  value       = module.secrets.secret_arns
}

output "aurora_endpoint" {
  description = "Aurora writer endpoint (inside QUIZ_POSTGRES_DSN)."
  value       = module.aurora.endpoint
}

output "aurora_reader_endpoint" {
  description = "Aurora reader endpoint."
  value       = module.aurora.reader_endpoint
}

output "redis_primary_endpoint" {
  description = "ElastiCache primary (inside QUIZ_REDIS_URL)."
  value       = module.redis.primary_endpoint
}

output "http_api_endpoint" {
  description = "Public address of the REST API."
  value       = module.api_gateway.http_api_endpoint
}

output "websocket_endpoint" {
  description = "Public wss:// address of live updates."
  value       = module.api_gateway.websocket_endpoint
}

output "websocket_callback_url" {
  description = "@connections endpoint the API pushes WebSocket messages through."
  value       = module.api_gateway.websocket_callback_url
}

output "irsa_role_arns" {
  description = "IRSA role of each service account."
  value = {
    "api"                 = module.irsa_api.role_arn
    "stream-processor"    = module.irsa_stream_processor.role_arn
    "score-event-worker"  = module.irsa_score_event_worker.role_arn
    "notification-worker" = module.irsa_notification_worker.role_arn
    "quiz-event-worker"   = module.irsa_quiz_event_worker.role_arn
    "keda-operator"       = module.irsa_keda_operator.role_arn
  }
}

output "k8s_deploy_env" {
  description = "k8s/overlays/prod/deploy.env: values the prod overlay substitutes into the manifests."
  value = join("\n", [
    "AWS_REGION=${var.region}",
    "IMAGE_REPOSITORY=${module.ecr.repository_url}",
    "ROLE_ARN_API=${module.irsa_api.role_arn}",
    "ROLE_ARN_STREAM_PROCESSOR=${module.irsa_stream_processor.role_arn}",
    "ROLE_ARN_SCORE_EVENT_WORKER=${module.irsa_score_event_worker.role_arn}",
    "ROLE_ARN_NOTIFICATION_WORKER=${module.irsa_notification_worker.role_arn}",
    "ROLE_ARN_QUIZ_EVENT_WORKER=${module.irsa_quiz_event_worker.role_arn}",
    "QUIZ_AUTH_ISSUER=https://${var.auth0_domain}/",
    "QUIZ_AUTH_AUDIENCE=${var.auth_audience}",
    "QUIZ_AUTH_JWKS_URL=https://${var.auth0_domain}/.well-known/jwks.json",
    "QUIZ_AUTH0_DOMAIN=${var.auth0_domain}",
    "QUIZ_AUTH0_CLIENT_ID=${var.auth0_client_id}",
    "QUIZ_FIREBASE_PROJECT_ID=${var.firebase_project_id}",
    "QUIZ_FIREBASE_DATABASE_URL=${var.firebase_database_url}",
    "",
  ])
}
