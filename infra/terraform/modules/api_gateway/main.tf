# API Gateway (9) in front of the API pods:
#
#   client -> HTTP API  ($default)         -> VPC link (v2) -+
#   client -> WebSocket API ($connect,     -> VPC link (v1) -+-> internal NLB -> NodePort -> api pods
#             $disconnect, $default)                         |
#
# API Gateway terminates TLS and WebSocket connections, so it cannot pass the
# API's native WebSocket (/v1/sessions/{id}/live) through (infra/DEPLOYING.md,
# "Known gap"). For WebSocket events it calls the API over HTTP (one request
# per connect, disconnect and message, with the connection ID in a header) and
# the API pushes to clients through the @connections management endpoint
# (output websocket_callback_url). The load balancer listens on the API's own
# port (8000) and forwards to the node group's instances on the API Service's
# NodePort, so no in-cluster load-balancer controller is needed.

data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  log_format = jsonencode({
    requestId      = "$context.requestId"
    ip             = "$context.identity.sourceIp"
    requestTime    = "$context.requestTime"
    routeKey       = "$context.routeKey"
    status         = "$context.status"
    latency        = "$context.integrationLatency"
    responseLength = "$context.responseLength"
    connectionId   = "$context.connectionId"
  })
}

resource "aws_security_group" "vpc_link" {
  name        = "${var.name}-api-vpc-link"
  description = "API Gateway VPC link ENIs: out to the API load balancer only"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "nlb" {
  name        = "${var.name}-api-nlb"
  description = "Internal API load balancer: in from the VPC link, out to the node port"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "vpc_link_to_nlb" {
  security_group_id            = aws_security_group.vpc_link.id
  description                  = "HTTP to the API load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.listener_port
  to_port                      = var.listener_port
  referenced_security_group_id = aws_security_group.nlb.id
}

resource "aws_vpc_security_group_ingress_rule" "nlb_from_vpc_link" {
  security_group_id            = aws_security_group.nlb.id
  description                  = "HTTP from the API Gateway VPC link"
  ip_protocol                  = "tcp"
  from_port                    = var.listener_port
  to_port                      = var.listener_port
  referenced_security_group_id = aws_security_group.vpc_link.id
}

resource "aws_vpc_security_group_egress_rule" "nlb_to_nodes" {
  security_group_id            = aws_security_group.nlb.id
  description                  = "API node port on the EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = var.node_port
  to_port                      = var.node_port
  referenced_security_group_id = var.node_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "nodes_from_nlb" {
  security_group_id            = var.node_security_group_id
  description                  = "API node port from the API load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.node_port
  to_port                      = var.node_port
  referenced_security_group_id = aws_security_group.nlb.id
}

resource "aws_lb" "api" {
  name                             = "${var.name}-api"
  internal                         = true
  load_balancer_type               = "network"
  subnets                          = var.subnet_ids
  security_groups                  = [aws_security_group.nlb.id]
  enable_cross_zone_load_balancing = true
  enable_deletion_protection       = true

  # The WebSocket API's VPC link (v1) arrives over PrivateLink, which only that
  # link can use; security-group rules apply to the HTTP API's link (v2).
  enforce_security_group_inbound_rules_on_private_link_traffic = "off"
}

resource "aws_lb_target_group" "api" {
  name                 = "${var.name}-api"
  port                 = var.node_port
  protocol             = "TCP"
  target_type          = "instance"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    protocol            = "HTTP"
    path                = var.readiness_path
    port                = "traffic-port"
    healthy_threshold   = 2
    unhealthy_threshold = 2
    interval            = 10
  }
}

resource "aws_lb_listener" "api" {
  load_balancer_arn = aws_lb.api.arn
  port              = var.listener_port
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

resource "aws_autoscaling_attachment" "api" {
  autoscaling_group_name = var.node_autoscaling_group_name
  lb_target_group_arn    = aws_lb_target_group.api.arn
}

# API Gateway writes WebSocket stage logs through this account-wide role.
data "aws_iam_policy_document" "cloudwatch_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cloudwatch" {
  name               = "${var.name}-apigateway-cloudwatch"
  assume_role_policy = data.aws_iam_policy_document.cloudwatch_assume.json
}

resource "aws_iam_role_policy_attachment" "cloudwatch" {
  role       = aws_iam_role.cloudwatch.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.cloudwatch.arn
}

resource "aws_cloudwatch_log_group" "access" {
  for_each = toset(["http", "websocket"])

  name              = "/aws/apigateway/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
}

# HTTP API: every REST route of the API, proxied unchanged.
resource "aws_apigatewayv2_vpc_link" "http" {
  name               = "${var.name}-http"
  subnet_ids         = var.subnet_ids
  security_group_ids = [aws_security_group.vpc_link.id]
}

resource "aws_apigatewayv2_api" "http" {
  name          = "${var.name}-http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "http" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "HTTP_PROXY"
  integration_method     = "ANY"
  integration_uri        = aws_lb_listener.api.arn
  connection_type        = "VPC_LINK"
  connection_id          = aws_apigatewayv2_vpc_link.http.id
  payload_format_version = "1.0"
  timeout_milliseconds   = 29000
}

resource "aws_apigatewayv2_route" "http_default" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "$default"
  target             = "integrations/${aws_apigatewayv2_integration.http.id}"
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_stage" "http" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit    = var.throttling_rate_limit
    throttling_burst_limit   = var.throttling_burst_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access["http"].arn
    format          = local.log_format
  }
}

# WebSocket API: live answer results and leaderboards.
resource "aws_api_gateway_vpc_link" "websocket" {
  name        = "${var.name}-websocket"
  target_arns = [aws_lb.api.arn]
}

resource "aws_apigatewayv2_api" "websocket" {
  name                       = "${var.name}-websocket"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = "$request.body.action"
}

locals {
  websocket_routes = {
    "$connect"    = var.websocket_paths.connect
    "$disconnect" = var.websocket_paths.disconnect
    "$default"    = var.websocket_paths.message
  }
}

resource "aws_apigatewayv2_integration" "websocket" {
  for_each = local.websocket_routes

  api_id             = aws_apigatewayv2_api.websocket.id
  integration_type   = "HTTP_PROXY"
  integration_method = "POST"
  integration_uri    = "http://${aws_lb.api.dns_name}:${var.listener_port}${each.value}"
  connection_type    = "VPC_LINK"
  connection_id      = aws_api_gateway_vpc_link.websocket.id

  # Every call names its connection; $connect also passes the join code and
  # the token the API authenticates (browsers cannot set headers).
  request_parameters = merge(
    { "integration.request.header.X-Connection-Id" = "context.connectionId" },
    each.key == "$connect" ? {
      "integration.request.querystring.session_id"   = "route.request.querystring.session_id"
      "integration.request.querystring.access_token" = "route.request.querystring.access_token"
    } : {},
  )
}

resource "aws_apigatewayv2_route" "websocket" {
  for_each = local.websocket_routes

  api_id             = aws_apigatewayv2_api.websocket.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.websocket[each.key].id}"
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_deployment" "websocket" {
  api_id = aws_apigatewayv2_api.websocket.id

  triggers = {
    redeployment = sha1(jsonencode([
      [for route in aws_apigatewayv2_route.websocket : route.id],
      [for integration in aws_apigatewayv2_integration.websocket : integration.integration_uri],
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_apigatewayv2_stage" "websocket" {
  api_id        = aws_apigatewayv2_api.websocket.id
  name          = "live"
  deployment_id = aws_apigatewayv2_deployment.websocket.id

  default_route_settings {
    throttling_rate_limit    = var.throttling_rate_limit
    throttling_burst_limit   = var.throttling_burst_limit
    detailed_metrics_enabled = true
    logging_level            = "ERROR"
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access["websocket"].arn
    format          = local.log_format
  }

  depends_on = [aws_api_gateway_account.this]
}
