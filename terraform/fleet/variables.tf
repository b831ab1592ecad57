variable "hcloud_token" {
  description = "Hetzner Cloud API token (read/write) of the project the fleet lives in. Pass as TF_VAR_hcloud_token."
  type        = string
  sensitive   = true
}

variable "cloudflare_api_token" {
  description = "Cloudflare API token with Zone DNS edit, Workers Routes edit and R2 edit. Pass as TF_VAR_cloudflare_api_token."
  type        = string
  sensitive   = true
}

variable "cloudflare_account_id" {
  description = "Cloudflare account id (R2 bucket)."
  type        = string
}

variable "cloudflare_zone_id" {
  description = "Cloudflare zone id of `domain` (DNS records, Worker routes)."
  type        = string
}

variable "domain" {
  description = "The zone's domain, e.g. example.com: the API is api.<domain>, TURN turn.<domain>, each node media-<node id>.<domain>."
  type        = string
}

variable "fleet_name" {
  description = "Name of the fleet: prefixes resources and node ids (<fleet_name>-<region>-<n>)."
  type        = string
  default     = "roomcast"
}

variable "worker_script_name" {
  description = "Name of the deployed Worker script (wrangler.toml `name`) that serves the API."
  type        = string
  default     = "roomcast"
}

variable "regions" {
  description = "Media regions: region name => Hetzner location, server type and node count. Growing or shrinking a region is changing its count."
  type = map(object({
    location    = string
    server_type = optional(string, "ccx23")
    node_count  = number
  }))
}

variable "node_tokens" {
  description = "Fleet credential per node id, minted with `npm run fleet:token -- --node <id> --region <region>` (FLEET_SECRET). Keep it in an untracked *.auto.tfvars or TF_VAR_node_tokens."
  type        = map(string)
  sensitive   = true
}

variable "turn_secret" {
  description = "Shared secret of coturn's TURN REST API; the Worker's TURN_SECRET must be the same."
  type        = string
  sensitive   = true
}

variable "turn_tls_cert_pem" {
  description = "PEM certificate chain for turn.<domain> (TURN over TLS); empty turns TLS off."
  type        = string
  default     = ""
}

variable "turn_tls_key_pem" {
  description = "PEM private key of turn_tls_cert_pem."
  type        = string
  default     = ""
  sensitive   = true
}

variable "release_url" {
  description = "HTTPS URL of the release tarball the nodes install (terraform/README.md: releases)."
  type        = string
}

variable "release_sha256" {
  description = "SHA-256 of the release tarball."
  type        = string
}

variable "ssh_public_keys" {
  description = "SSH public keys allowed to log in as root: name => key."
  type        = map(string)
  default     = {}
}

variable "ssh_allow_cidrs" {
  description = "Source CIDRs allowed to reach SSH on the nodes; empty closes SSH."
  type        = list(string)
  default     = []
}

variable "metrics_allow_cidrs" {
  description = "Source CIDRs of the Prometheus servers that scrape the nodes' /metrics; empty keeps the endpoint on loopback."
  type        = list(string)
  default     = []
}

variable "drain_timeout_seconds" {
  description = "How long a stopped node keeps serving its rooms before handing them to other nodes."
  type        = number
  default     = 1800
}

variable "recordings_bucket" {
  description = "Name of the R2 bucket for recordings (wrangler.toml's RECORDINGS binding)."
  type        = string
  default     = "roomcast-recordings"
}
