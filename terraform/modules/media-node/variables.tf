variable "fleet_name" {
  description = "Name of the fleet: prefixes every resource and node id (lowercase letters, digits, dashes)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.fleet_name))
    error_message = "fleet_name: 2-21 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  description = "The fleet region these nodes serve (FleetDO places rooms by it; it is in each node's credential), e.g. \"eu\"."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.region))
    error_message = "region: up to 16 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "location" {
  description = "Hetzner Cloud location of the servers (fsn1, nbg1, hel1, ash, hil, sin)."
  type        = string
}

variable "server_type" {
  description = "Hetzner Cloud server type. Dedicated vCPU (ccx*) keeps media timing steady; one engine worker runs per core."
  type        = string
  default     = "ccx23"
}

variable "image" {
  description = "Server image; the cloud-init user data and setup script are written for Debian 12."
  type        = string
  default     = "debian-12"
}

variable "node_count" {
  description = "How many media nodes in this region. A spread placement group holds at most 10 servers."
  type        = number
  validation {
    condition     = var.node_count >= 0 && var.node_count <= 10 && floor(var.node_count) == var.node_count
    error_message = "node_count: a whole number from 0 to 10 (the size limit of one spread placement group)."
  }
}

variable "node_tokens" {
  description = "Fleet credential per node id (\"<fleet_name>-<region>-<n>\"), minted with `npm run fleet:token -- --node <id> --region <region>` from FLEET_SECRET. Delivered to the node as a root-only file."
  type        = map(string)
  sensitive   = true
}

variable "fleet_url" {
  description = "WebSocket URL of the Worker's fleet endpoint, e.g. wss://api.example.com/api/v1/fleet/connect (nodes dial out to it)."
  type        = string
  validation {
    condition     = can(regex("^wss?://", var.fleet_url))
    error_message = "fleet_url must be a ws:// or wss:// URL."
  }
}

variable "release_url" {
  description = "HTTPS URL of the Roomcast release tarball the nodes run (`git archive --format=tar.gz` of a commit; terraform/README.md: releases)."
  type        = string
}

variable "release_sha256" {
  description = "SHA-256 of the release tarball; the node refuses any other file."
  type        = string
  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.release_sha256))
    error_message = "release_sha256: 64 lowercase hex digits."
  }
}

variable "node_version" {
  description = "Node.js version installed on the nodes (24.x, verified against nodejs.org's SHASUMS256.txt)."
  type        = string
  default     = "24.21.0"
  validation {
    condition     = can(regex("^24\\.[0-9]+\\.[0-9]+$", var.node_version))
    error_message = "node_version: a Node 24 release, e.g. 24.21.0."
  }
}

variable "rtc_min_port" {
  description = "First port of the media range (UDP and ICE-TCP): one per engine worker, then plain and pipe transports."
  type        = number
  default     = 40000
}

variable "rtc_max_port" {
  description = "Last port of the media range."
  type        = number
  default     = 40999
}

variable "turn_secret" {
  description = "coturn's static-auth-secret (TURN REST API): the Worker mints short-lived TURN credentials with the same secret."
  type        = string
  sensitive   = true
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{32,}$", var.turn_secret))
    error_message = "turn_secret: at least 32 characters of A-Z, a-z, 0-9, _ or -."
  }
}

variable "turn_realm" {
  description = "coturn realm (the TURN host name, e.g. turn.example.com)."
  type        = string
}

variable "turn_relay_min_port" {
  description = "First UDP port coturn relays media on."
  type        = number
  default     = 49152
}

variable "turn_relay_max_port" {
  description = "Last UDP port coturn relays media on."
  type        = number
  default     = 49999
}

variable "turn_tls_cert_pem" {
  description = "PEM certificate chain for TURN over TLS (5349, and 443 redirected to it); empty: TURN over TLS is off."
  type        = string
  default     = ""
}

variable "turn_tls_key_pem" {
  description = "PEM private key for turn_tls_cert_pem; empty with it."
  type        = string
  default     = ""
  sensitive   = true
}

variable "ssh_key_ids" {
  description = "IDs of hcloud_ssh_key resources allowed to log in as root."
  type        = list(string)
  default     = []
}

variable "ssh_allow_cidrs" {
  description = "Source CIDRs allowed to reach SSH (22/tcp). Empty: SSH is closed at the firewall."
  type        = list(string)
  default     = []
}

variable "metrics_allow_cidrs" {
  description = "Source CIDRs of the Prometheus servers allowed to scrape the node's /metrics and /health (metrics_port/tcp). Empty: the endpoint listens on loopback only."
  type        = list(string)
  default     = []
}

variable "metrics_port" {
  description = "Port of the node's /metrics and /health endpoint (MEDIA_METRICS_PORT)."
  type        = number
  default     = 9464
}

variable "drain_timeout_seconds" {
  description = "How long a node stopped with SIGTERM (systemctl stop, a replacement) keeps serving its rooms before handing them back (MEDIA_DRAIN_TIMEOUT_SECONDS)."
  type        = number
  default     = 1800
}

variable "labels" {
  description = "Extra labels on every server, placement group and firewall."
  type        = map(string)
  default     = {}
}

variable "rtmp_port" {
  description = "The nodes' RTMP ingest listener (MEDIA_RTMP_PORT), opened to the world; 0 turns RTMP ingest off. Set the Worker's INGEST_RTMP_URL to rtmp://<a node or a TCP load balancer>:<port>/live."
  type        = number
  default     = 1935
}
