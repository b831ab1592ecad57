# Roomcast media nodes in one Hetzner Cloud location: a spread placement group (no two nodes on
# one physical host), a firewall that opens only media and TURN (plus SSH and metrics from
# allow-lists; nodes dial out to the Worker, so nothing is open for control), and the servers,
# each set up on first boot by cloud-init: Node 24, the media node and coturn as systemd
# services, the node's fleet credential as a root-only file.
#
# cloud-init runs on first boot only: user data changes (a new credential, release or secret) are
# ignored for existing servers and take effect by replacing them one at a time
# (terraform/README.md: replace a node).

locals {
  labels = merge(var.labels, {
    app    = "roomcast"
    role   = "media-node"
    fleet  = var.fleet_name
    region = var.region
  })
  node_ids   = [for i in range(var.node_count) : "${var.fleet_name}-${var.region}-${i + 1}"]
  turn_tls   = var.turn_tls_cert_pem != "" && var.turn_tls_key_pem != ""
  metrics_on = length(var.metrics_allow_cidrs) > 0

  # Firewall rules: only media in. ICMP stays open (path MTU discovery).
  media_rules = [
    { protocol = "udp", port = "${var.rtc_min_port}-${var.rtc_max_port}", source_ips = ["0.0.0.0/0", "::/0"], description = "WebRTC media (UDP)" },
    { protocol = "tcp", port = "${var.rtc_min_port}-${var.rtc_max_port}", source_ips = ["0.0.0.0/0", "::/0"], description = "WebRTC media (ICE-TCP)" },
    { protocol = "udp", port = "3478", source_ips = ["0.0.0.0/0", "::/0"], description = "TURN/STUN (UDP)" },
    { protocol = "tcp", port = "3478", source_ips = ["0.0.0.0/0", "::/0"], description = "TURN (TCP)" },
    { protocol = "tcp", port = "5349", source_ips = ["0.0.0.0/0", "::/0"], description = "TURN over TLS" },
    { protocol = "tcp", port = "443", source_ips = ["0.0.0.0/0", "::/0"], description = "TURN over TLS on 443 (strict networks)" },
    { protocol = "udp", port = "${var.turn_relay_min_port}-${var.turn_relay_max_port}", source_ips = ["0.0.0.0/0", "::/0"], description = "TURN relay ports" },
  ]
  # RTMP ingest from encoders (OBS, hardware): plain RTMP on rtmp_port; rtmps:// is a TLS
  # terminator in front (a load balancer's TCP+TLS listener) forwarding here.
  rtmp_rules    = var.rtmp_port > 0 ? [{ protocol = "tcp", port = tostring(var.rtmp_port), source_ips = ["0.0.0.0/0", "::/0"], description = "RTMP ingest" }] : []
  ssh_rules     = length(var.ssh_allow_cidrs) > 0 ? [{ protocol = "tcp", port = "22", source_ips = var.ssh_allow_cidrs, description = "SSH from the allow-list" }] : []
  metrics_rules = local.metrics_on ? [{ protocol = "tcp", port = tostring(var.metrics_port), source_ips = var.metrics_allow_cidrs, description = "Prometheus scrape" }] : []
}

resource "hcloud_placement_group" "spread" {
  name   = "${var.fleet_name}-${var.region}-media"
  type   = "spread"
  labels = local.labels
}

resource "hcloud_firewall" "media" {
  name   = "${var.fleet_name}-${var.region}-media"
  labels = local.labels

  rule {
    direction   = "in"
    protocol    = "icmp"
    source_ips  = ["0.0.0.0/0", "::/0"]
    description = "ICMP (path MTU discovery)"
  }

  dynamic "rule" {
    for_each = concat(local.media_rules, local.rtmp_rules, local.ssh_rules, local.metrics_rules)
    content {
      direction   = "in"
      protocol    = rule.value.protocol
      port        = rule.value.port
      source_ips  = rule.value.source_ips
      description = rule.value.description
    }
  }
}

resource "hcloud_server" "node" {
  count              = var.node_count
  name               = local.node_ids[count.index]
  server_type        = var.server_type
  image              = var.image
  location           = var.location
  placement_group_id = hcloud_placement_group.spread.id
  firewall_ids       = [hcloud_firewall.media.id]
  ssh_keys           = var.ssh_key_ids
  labels             = merge(local.labels, { node = local.node_ids[count.index] })

  public_net {
    ipv4_enabled = true
    ipv6_enabled = true
  }

  user_data = templatefile("${path.module}/cloud-init.yaml.tftpl", {
    hostname            = local.node_ids[count.index]
    setup_sh_b64        = filebase64("${path.module}/files/setup.sh")
    media_unit_b64      = base64encode(templatefile("${path.module}/files/roomcast-media.service.tftpl", { stop_timeout_seconds = var.drain_timeout_seconds + 120 }))
    setup_env_b64       = base64encode(local.setup_env)
    media_env_b64       = base64encode(local.media_env[count.index])
    turnserver_conf_b64 = base64encode(local.turnserver_conf)
    turn_cert_b64       = base64encode(var.turn_tls_cert_pem)
    turn_key_b64        = base64encode(var.turn_tls_key_pem)
  })

  lifecycle {
    # First boot only: see the note at the top and terraform/README.md.
    ignore_changes = [user_data, image, ssh_keys]
    precondition {
      condition     = alltrue([for id in local.node_ids : contains(keys(var.node_tokens), id)])
      error_message = "node_tokens must hold a credential for every node id of the region (npm run fleet:token)."
    }
  }
}

locals {
  # Read by files/setup.sh (shell variable assignments; every value is validated above).
  setup_env = <<-EOT
    NODE_VERSION=${var.node_version}
    RELEASE_URL='${var.release_url}'
    RELEASE_SHA256=${var.release_sha256}
    TURN_TLS=${local.turn_tls ? 1 : 0}
    TURN_RELAY_MIN_PORT=${var.turn_relay_min_port}
    TURN_RELAY_MAX_PORT=${var.turn_relay_max_port}
  EOT

  # The media node's environment (systemd EnvironmentFile, root-only): media-node/src/config.ts.
  media_env = [for id in local.node_ids : <<-EOT
    MEDIA_NODE_ID=${id}
    MEDIA_REGION=${var.region}
    MEDIA_ENGINE=auto
    MEDIA_LISTEN_IP=0.0.0.0
    MEDIA_RTC_MIN_PORT=${var.rtc_min_port}
    MEDIA_RTC_MAX_PORT=${var.rtc_max_port}
    MEDIA_FLEET_URL=${var.fleet_url}
    MEDIA_FLEET_TOKEN=${lookup(var.node_tokens, id, "")}
    MEDIA_METRICS_HOST=${local.metrics_on ? "0.0.0.0" : "127.0.0.1"}
    MEDIA_METRICS_PORT=${var.metrics_port}
    MEDIA_DRAIN_TIMEOUT_SECONDS=${var.drain_timeout_seconds}
    MEDIA_RTMP_PORT=${var.rtmp_port > 0 ? var.rtmp_port : ""}
  EOT
  ]

  # coturn with the TURN REST API (use-auth-secret): credentials are "expiry:user" with the
  # HMAC-SHA1 of it under the shared secret as password. setup.sh appends external-ip and TLS.
  turnserver_conf = <<-EOT
    listening-port=3478
    tls-listening-port=5349
    fingerprint
    use-auth-secret
    static-auth-secret=${var.turn_secret}
    realm=${var.turn_realm}
    min-port=${var.turn_relay_min_port}
    max-port=${var.turn_relay_max_port}
    no-cli
    no-multicast-peers
    no-rfc5780
    no-stun-backward-compatibility
    response-origin-only-with-rfc5780
    stale-nonce=600
    total-quota=1200
    user-quota=12
    log-file=syslog
    simple-log
    denied-peer-ip=0.0.0.0-0.255.255.255
    denied-peer-ip=10.0.0.0-10.255.255.255
    denied-peer-ip=100.64.0.0-100.127.255.255
    denied-peer-ip=127.0.0.0-127.255.255.255
    denied-peer-ip=169.254.0.0-169.254.255.255
    denied-peer-ip=172.16.0.0-172.31.255.255
    denied-peer-ip=192.0.0.0-192.0.0.255
    denied-peer-ip=192.168.0.0-192.168.255.255
    denied-peer-ip=198.18.0.0-198.19.255.255
    denied-peer-ip=240.0.0.0-255.255.255.255
    denied-peer-ip=::1
    denied-peer-ip=fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
    denied-peer-ip=fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff
  EOT
}
