# IRSA roles, one per deployable, each naming only the queues, topics, tables,
# streams, secrets and keys of its own work (see the deployables in
# infra/DEPLOYING.md). Secrets are read by External Secrets with the
# deployable's own service account, so they belong to the same role. A
# deployable reads the PostgreSQL DSN and the Redis URL when its handler uses
# them, and then refuses to start without them (entrypoints/settings.py).

module "irsa_api" {
  source            = "../../modules/irsa"
  name              = "quizcore-api"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = local.namespace
  service_account   = "api"

  # Score service: answers go on the stream, directly or through the bus.
  kinesis_write_arns   = [module.streaming.stream_arn]
  eventbridge_put_arns = [module.streaming.bus_arn]

  # Quiz service: sessions; quiz results read scores and answers.
  dynamodb_read_write_arns = [module.dynamodb.table_arns["quizcore-sessions"]]
  dynamodb_read_arns = [
    module.dynamodb.table_arns["quizcore-scores"],
    module.dynamodb.table_arns["quizcore-answers"],
  ]

  secret_arns = [
    module.secrets.secret_arns["quizcore/postgres-dsn"],
    module.secrets.secret_arns["quizcore/redis-auth"],
    module.secrets.secret_arns["quizcore/auth0-webhook-secret"],
  ]

  websocket_connection_arns = [module.api_gateway.websocket_connections_arn]
  kms_key_arns              = [module.kms_messaging.key_arn, module.kms_secrets.key_arn]
}

module "irsa_stream_processor" {
  source            = "../../modules/irsa"
  name              = "quizcore-stream-processor-eks"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = local.namespace
  service_account   = "stream-processor"

  kinesis_read_arns = [module.streaming.stream_arn]
  # Answers are recorded; sessions are read (and hold the shard checkpoints);
  # a refused submission's result goes to scores.
  dynamodb_read_write_arns = [
    module.dynamodb.table_arns["quizcore-answers"],
    module.dynamodb.table_arns["quizcore-sessions"],
    module.dynamodb.table_arns["quizcore-scores"],
  ]
  # AnswerRecorded to stream-result, AnswerRejected to quiz-events.
  sns_publish_arns = [
    module.messaging.topic_arns["quizcore-stream-result"],
    module.messaging.topic_arns["quizcore-quiz-events"],
  ]
  # Neither PostgreSQL nor Redis: the worker opens only its handler's ports.
  kms_key_arns = [module.kms_messaging.key_arn]
}

module "irsa_score_event_worker" {
  source            = "../../modules/irsa"
  name              = "quizcore-score-event-worker"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = local.namespace
  service_account   = "score-event-worker"

  sqs_consume_arns = [module.messaging.queue_arns["quizcore-score-event"]]
  dynamodb_read_write_arns = [
    module.dynamodb.table_arns["quizcore-scores"],
    module.dynamodb.table_arns["quizcore-answers"],
    module.dynamodb.table_arns["quizcore-sessions"],
  ]
  sns_publish_arns = [module.messaging.topic_arns["quizcore-quiz-events"]]
  # Quizzes are read through the Redis cache of PostgreSQL.
  secret_arns = [
    module.secrets.secret_arns["quizcore/postgres-dsn"],
    module.secrets.secret_arns["quizcore/redis-auth"],
  ]
  kms_key_arns = [module.kms_messaging.key_arn, module.kms_secrets.key_arn]
}

module "irsa_notification_worker" {
  source            = "../../modules/irsa"
  name              = "quizcore-notification-worker"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = local.namespace
  service_account   = "notification-worker"

  sqs_consume_arns = [module.messaging.queue_arns["quizcore-ui-response"]]
  # Sessions (names, state) and answers (the question's statistics) are read.
  dynamodb_read_arns = [
    module.dynamodb.table_arns["quizcore-sessions"],
    module.dynamodb.table_arns["quizcore-answers"],
  ]
  secret_arns = [
    module.secrets.secret_arns["quizcore/postgres-dsn"],
    module.secrets.secret_arns["quizcore/redis-auth"],
    module.secrets.secret_arns["quizcore/firebase-credentials"],
  ]
  kms_key_arns = [module.kms_messaging.key_arn, module.kms_secrets.key_arn]
  # The worker pushes session events to API Gateway's WebSocket connections.
  websocket_connection_arns = [module.api_gateway.websocket_connections_arn]
}

module "irsa_quiz_event_worker" {
  source            = "../../modules/irsa"
  name              = "quizcore-quiz-event-worker"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = local.namespace
  service_account   = "quiz-event-worker"

  sqs_consume_arns = [module.messaging.queue_arns["quizcore-quiz-result"]]
  dynamodb_read_arns = [
    module.dynamodb.table_arns["quizcore-scores"],
    module.dynamodb.table_arns["quizcore-answers"],
    module.dynamodb.table_arns["quizcore-sessions"],
  ]
  # Results go to PostgreSQL; the global leaderboard is in Redis.
  secret_arns = [
    module.secrets.secret_arns["quizcore/postgres-dsn"],
    module.secrets.secret_arns["quizcore/redis-auth"],
  ]
  kms_key_arns = [module.kms_messaging.key_arn, module.kms_secrets.key_arn]
}

# KEDA reads the depth of the three work queues to scale the workers; it never
# receives or deletes a message.
module "irsa_keda_operator" {
  source            = "../../modules/irsa"
  name              = "quizcore-keda-operator"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = "keda"
  service_account   = "keda-operator"

  sqs_metrics_arns = [
    module.messaging.queue_arns["quizcore-score-event"],
    module.messaging.queue_arns["quizcore-ui-response"],
    module.messaging.queue_arns["quizcore-quiz-result"],
  ]
}
