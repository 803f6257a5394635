# Production composition of the cloud profile. Every name the services read
# (entrypoints/settings.py defaults) is spelled out here, once.

data "aws_caller_identity" "current" {}

# Zones are pinned by ID (the same physical zone in every account), so the
# subnets never move when AWS adds a zone to the region.
data "aws_availability_zones" "selected" {
  state = "available"

  filter {
    name   = "zone-id"
    values = var.availability_zone_ids
  }
}

locals {
  azs        = sort(data.aws_availability_zones.selected.names)
  account_id = data.aws_caller_identity.current.account_id
  namespace  = "quizcore"
}

# --- Keys -------------------------------------------------------------------

module "kms_data" {
  source      = "../../modules/kms"
  name        = "quizcore-data"
  description = "DynamoDB tables, Aurora, ElastiCache, artifacts and images of quizcore"
}

module "kms_messaging" {
  source             = "../../modules/kms"
  name               = "quizcore-messaging"
  description        = "Kinesis stream, EventBridge bus, SNS topics and SQS queues of quizcore"
  service_principals = ["sns.amazonaws.com", "events.amazonaws.com"]
}

module "kms_secrets" {
  source      = "../../modules/kms"
  name        = "quizcore-secrets"
  description = "Secrets Manager secrets of quizcore"
}

module "kms_logs" {
  source                = "../../modules/kms"
  name                  = "quizcore-logs"
  description           = "CloudWatch log groups of quizcore"
  allow_cloudwatch_logs = true
}

module "kms_eks" {
  source            = "../../modules/kms"
  name              = "quizcore-eks"
  description       = "Kubernetes secrets and node volumes of the quizcore cluster"
  allow_autoscaling = true
}

# --- Network and cluster ----------------------------------------------------

module "network" {
  source           = "../../modules/network"
  name             = var.name
  azs              = local.azs
  cluster_name     = var.name
  logs_kms_key_arn = module.kms_logs.key_arn
}

module "eks" {
  source                 = "../../modules/eks"
  name                   = var.name
  kubernetes_version     = var.kubernetes_version
  subnet_ids             = module.network.private_subnet_ids
  secrets_kms_key_arn    = module.kms_eks.key_arn
  ebs_kms_key_arn        = module.kms_eks.key_arn
  logs_kms_key_arn       = module.kms_logs.key_arn
  endpoint_public_access = var.eks_endpoint_public_access
  public_access_cidrs    = var.eks_public_access_cidrs
  admin_role_arns        = var.eks_admin_role_arns
}

module "ecr" {
  source      = "../../modules/ecr"
  name        = "quizcore"
  kms_key_arn = module.kms_data.key_arn
}

# --- Real-time data (8.2) ---------------------------------------------------

# expires_at (epoch seconds) is written by the adapters on real-time items;
# Quiz Event has copied results to Aurora long before they expire.
module "dynamodb" {
  source      = "../../modules/dynamodb"
  kms_key_arn = module.kms_data.key_arn

  tables = {
    "quizcore-answers"  = { ttl_attribute = "expires_at" }
    "quizcore-scores"   = { ttl_attribute = "expires_at" }
    "quizcore-sessions" = { ttl_attribute = "expires_at" }
  }
}

# --- Answer stream (7.1, 7.2) -----------------------------------------------

module "streaming" {
  source             = "../../modules/streaming"
  stream_name        = "quizcore-answers"
  shard_count        = var.kinesis_shard_count
  bus_name           = "quizcore-stream-events"
  rule_source        = "quizcore.score-service"
  rule_detail_type   = "SubmitAnswer"
  partition_key_path = "$.detail.partition_key" # session/participant: a session spreads over every shard
  kms_key_arn        = module.kms_messaging.key_arn
}

# --- Bus and events (6) -----------------------------------------------------

module "messaging" {
  source      = "../../modules/messaging"
  kms_key_arn = module.kms_messaging.key_arn

  queues = [
    "quizcore-score-event",
    "quizcore-ui-response",
    "quizcore-quiz-result",
  ]

  topics = {
    "quizcore-stream-result" = {
      subscribers          = ["quizcore-score-event"]
      raw_message_delivery = true
    }
    "quizcore-quiz-events" = {
      subscribers          = ["quizcore-ui-response", "quizcore-quiz-result"]
      raw_message_delivery = true
    }
  }
  # The routing table of quizcore/routing.py (a test keeps the two equal).
  queue_kinds = {
    "quizcore-score-event" = ["AnswerRecorded"]
    "quizcore-ui-response" = [
      "AnswerRejected", "ParticipantJoined", "ParticipantRemoved", "QuestionClosed",
      "QuestionOpened", "ScoreUpdated", "SessionFinished", "SessionLockChanged",
      "SessionStarted",
    ]
    "quizcore-quiz-result" = ["ScoreUpdated", "SessionFinished"]
  }
}

# --- Flink job (7.3) --------------------------------------------------------

module "artifacts" {
  source      = "../../modules/artifacts"
  bucket_name = "quizcore-artifacts-${local.account_id}"
  kms_key_arn = module.kms_data.key_arn
}

module "flink" {
  source                  = "../../modules/flink"
  name                    = "quizcore-stream-processor"
  start                   = var.flink_start
  code_bucket_arn         = module.artifacts.bucket_arn
  code_key                = var.flink_code_key
  parallelism             = var.kinesis_shard_count
  stream_arn              = module.streaming.stream_arn
  answers_table_arn       = module.dynamodb.table_arns["quizcore-answers"]
  sessions_table_arn      = module.dynamodb.table_arns["quizcore-sessions"]
  scores_table_arn        = module.dynamodb.table_arns["quizcore-scores"]
  stream_result_topic_arn = module.messaging.topic_arns["quizcore-stream-result"]
  quiz_events_topic_arn   = module.messaging.topic_arns["quizcore-quiz-events"]
  kms_key_arns            = [module.kms_messaging.key_arn, module.kms_data.key_arn]
  logs_kms_key_arn        = module.kms_logs.key_arn

  job_properties = {
    QUIZ_PROFILE                 = "cloud"
    QUIZ_AWS_REGION              = var.region
    QUIZ_KINESIS_STREAM          = module.streaming.stream_name
    QUIZ_DYNAMODB_ANSWERS_TABLE  = "quizcore-answers"
    QUIZ_DYNAMODB_SESSIONS_TABLE = "quizcore-sessions"
    QUIZ_DYNAMODB_SCORES_TABLE   = "quizcore-scores"
    QUIZ_SNS_STREAM_RESULT_TOPIC = "quizcore-stream-result"
    QUIZ_SNS_QUIZ_EVENTS_TOPIC   = "quizcore-quiz-events"
  }
}

# --- Master data and cache (8.1, 8.3) ---------------------------------------

module "aurora" {
  source                    = "../../modules/aurora"
  name                      = "quizcore"
  azs                       = local.azs
  database_name             = "quizcore"
  master_username           = "quizcore_owner"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.data_subnet_ids
  client_security_group_ids = [module.eks.cluster_security_group_id]
  kms_key_arn               = module.kms_data.key_arn
}

module "redis" {
  source                    = "../../modules/redis"
  name                      = "quizcore"
  azs                       = local.azs
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.data_subnet_ids
  client_security_group_ids = [module.eks.cluster_security_group_id]
  kms_key_arn               = module.kms_data.key_arn
  logs_kms_key_arn          = module.kms_logs.key_arn
}

# --- Secrets ----------------------------------------------------------------

module "secrets" {
  source      = "../../modules/secrets"
  kms_key_arn = module.kms_secrets.key_arn

  secrets = {
    "quizcore/postgres-dsn"         = "asyncpg DSN of the Aurora writer (QUIZ_POSTGRES_DSN)"
    "quizcore/redis-auth"           = "JSON: auth_token and url of ElastiCache Redis (QUIZ_REDIS_URL)"
    "quizcore/auth0-webhook-secret" = "Shared secret of the Auth0 user webhook (QUIZ_AUTH0_WEBHOOK_SECRET)"
    "quizcore/firebase-credentials" = "Firebase service-account JSON (QUIZ_FIREBASE_CREDENTIALS)"
  }

  generated_names = ["quizcore/postgres-dsn", "quizcore/redis-auth"]
  generated_values = {
    "quizcore/postgres-dsn" = module.aurora.dsn
    "quizcore/redis-auth" = jsonencode({
      auth_token = module.redis.auth_token
      url        = module.redis.url
    })
  }
}

# --- API Gateway (9) --------------------------------------------------------

module "api_gateway" {
  source                      = "../../modules/api_gateway"
  name                        = var.name
  vpc_id                      = module.network.vpc_id
  subnet_ids                  = module.network.private_subnet_ids
  node_security_group_id      = module.eks.cluster_security_group_id
  node_autoscaling_group_name = module.eks.node_autoscaling_group_name
  logs_kms_key_arn            = module.kms_logs.key_arn
}
