# The Roomcast media fleet: one media-node module per region (Hetzner Cloud), the SSH keys they
# accept, and the Cloudflare side (cloudflare.tf). The Worker itself is deployed by wrangler
# (`npx wrangler deploy`); terraform only routes to it.

resource "hcloud_ssh_key" "operator" {
  for_each   = var.ssh_public_keys
  name       = "${var.fleet_name}-${each.key}"
  public_key = each.value
}

module "region" {
  source   = "../modules/media-node"
  for_each = var.regions

  fleet_name  = var.fleet_name
  region      = each.key
  location    = each.value.location
  server_type = each.value.server_type
  node_count  = each.value.node_count

  node_tokens           = var.node_tokens
  fleet_url             = "wss://api.${var.domain}/api/v1/fleet/connect"
  release_url           = var.release_url
  release_sha256        = var.release_sha256
  turn_secret           = var.turn_secret
  turn_realm            = "turn.${var.domain}"
  turn_tls_cert_pem     = var.turn_tls_cert_pem
  turn_tls_key_pem      = var.turn_tls_key_pem
  ssh_key_ids           = [for k in hcloud_ssh_key.operator : k.id]
  ssh_allow_cidrs       = var.ssh_allow_cidrs
  metrics_allow_cidrs   = var.metrics_allow_cidrs
  drain_timeout_seconds = var.drain_timeout_seconds
}

locals {
  # Every node of every region: node id => { region, ipv4, ipv6 }.
  nodes = merge([
    for region, m in module.region : {
      for id, n in m.nodes : id => merge(n, { region = region })
    }
  ]...)
}
