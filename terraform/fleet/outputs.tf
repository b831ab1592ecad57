output "nodes" {
  description = "Every media node: node id => region, public IPv4 and IPv6, Hetzner server id."
  value       = local.nodes
}

output "node_ids_by_region" {
  description = "Node ids per region: mint one fleet credential for each (npm run fleet:token)."
  value       = { for region, m in module.region : region => keys(m.nodes) }
}

output "turn_host" {
  description = "The TURN host name the Worker hands out in iceServers."
  value       = "turn.${var.domain}"
}

output "fleet_url" {
  description = "The fleet endpoint the nodes dial."
  value       = "wss://api.${var.domain}/api/v1/fleet/connect"
}

output "turn_urls" {
  description = "The Worker's TURN_URLS (comma-separated): TURN over UDP and TCP on 3478, over TLS on 443."
  value       = "turn:turn.${var.domain}:3478?transport=udp,turn:turn.${var.domain}:3478?transport=tcp,turns:turn.${var.domain}:443?transport=tcp"
}
