# Cloudflare: the R2 bucket for recordings, the Worker's route for the API host, and DNS names for
# TURN (one name, every node's address) and for each node. Not covered here (done with wrangler
# or the dashboard, terraform/README.md): deploying the Worker script and its secrets
# (`wrangler deploy`, `wrangler secret put`), Durable Object migrations, and the web app.

resource "cloudflare_r2_bucket" "recordings" {
  account_id = var.cloudflare_account_id
  name       = var.recordings_bucket
  location   = "WEUR"
}

resource "cloudflare_worker_route" "api" {
  zone_id     = var.cloudflare_zone_id
  pattern     = "api.${var.domain}/*"
  script_name = var.worker_script_name
}

# TURN: one name for the whole fleet (DNS-only: TURN is not HTTP, it must not be proxied).
resource "cloudflare_record" "turn_a" {
  for_each = local.nodes
  zone_id  = var.cloudflare_zone_id
  name     = "turn"
  type     = "A"
  content  = each.value.ipv4
  ttl      = 60
  proxied  = false
  comment  = "TURN on ${each.key}"
}

# Each node by name (operators, TLS certificates, debugging); media itself uses the node's IP.
resource "cloudflare_record" "node_a" {
  for_each = local.nodes
  zone_id  = var.cloudflare_zone_id
  name     = "media-${each.key}"
  type     = "A"
  content  = each.value.ipv4
  ttl      = 300
  proxied  = false
}

resource "cloudflare_record" "node_aaaa" {
  for_each = local.nodes
  zone_id  = var.cloudflare_zone_id
  name     = "media-${each.key}"
  type     = "AAAA"
  content  = each.value.ipv6
  ttl      = 300
  proxied  = false
}
