# METADATA
# title: TURN allowed-peer-ip exceptions should only open the media-node subnets
# custom:
#   id: CV-TURN-002
#   severity: critical
#   topic: network
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.20", "A.8.22"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.20": "partial", "A.8.22": "partial"}
#   applies_to: ["turn_config"]
#   remediation: "Limit `allowed-peer-ip` to the subnets the media-node auto-scaling group runs in."
package callvault.rules.turn_allowed_peers

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "turn_config"
}

# allowed-peer-ip overrides every denied-peer-ip: outside the media nodes it reopens IMDS,
# loopback or the whole private network.
deny contains {"ref": f.ref, "msg": sprintf("TURN config %s allows relaying to %v, outside the media-node subnets", [f.id, f.allowed_peers_outside_media_nodes])} if {
	some f in input.facts
	f.kind == "turn_config"
	is_array(f.allowed_peers_outside_media_nodes)
	count(f.allowed_peers_outside_media_nodes) > 0
}

deny contains {"ref": f.ref, "msg": sprintf("TURN config %s: allowed peers, or the media-node subnets they must lie in, are unknown", [f.id])} if {
	some f in input.facts
	f.kind == "turn_config"
	not is_array(object.get(f, "allowed_peers_outside_media_nodes", null))
}
