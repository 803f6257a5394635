output "http_api_endpoint" {
  description = "Public HTTPS address of the REST API."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "websocket_endpoint" {
  description = "Public wss:// address clients connect to."
  value       = "${aws_apigatewayv2_api.websocket.api_endpoint}/${aws_apigatewayv2_stage.websocket.name}"
}

output "websocket_callback_url" {
  description = "@connections management endpoint the API posts pushes to."
  value       = "https://${aws_apigatewayv2_api.websocket.id}.execute-api.${data.aws_region.current.name}.amazonaws.com/${aws_apigatewayv2_stage.websocket.name}"
}

output "websocket_connections_arn" {
  description = "Resource of the @connections calls (push, read, close), for the API role."
  value       = "${aws_apigatewayv2_api.websocket.execution_arn}/${aws_apigatewayv2_stage.websocket.name}/*/@connections/*"
}

output "load_balancer_dns_name" {
  description = "Internal address of the API load balancer."
  value       = aws_lb.api.dns_name
}

output "http_api_id" {
  description = "ID of the HTTP API (the ApiId dimension of its CloudWatch metrics)."
  value       = aws_apigatewayv2_api.http.id
}

output "websocket_api_id" {
  description = "ID of the WebSocket API (the ApiId dimension of its CloudWatch metrics)."
  value       = aws_apigatewayv2_api.websocket.id
}
