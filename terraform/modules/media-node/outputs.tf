output "nodes" {
  description = "The region's media nodes: node id => public addresses and Hetzner server id."
  value = {
    for s in hcloud_server.node : s.name => {
      id   = s.id
      ipv4 = s.ipv4_address
      ipv6 = s.ipv6_address
    }
  }
}

output "firewall_id" {
  description = "ID of the firewall applied to the region's nodes."
  value       = hcloud_firewall.media.id
}

output "placement_group_id" {
  description = "ID of the spread placement group of the region's nodes."
  value       = hcloud_placement_group.spread.id
}
