# METADATA
# title: TURN relays should not reach loopback peers
# custom:
#   id: CV-TURN-003
#   severity: high
#   topic: network
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.20"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.20": "partial"}
#   applies_to: ["turn_config"]
#   remediation: "Remove `allow-loopback-peers` from turnserver.conf (tests on loopback only)."
package callvault.rules.turn_no_loopback_peers

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "turn_config"
}

deny contains {"ref": f.ref, "msg": sprintf("TURN config %s allows relaying to loopback peers (services on the TURN host itself)", [f.id])} if {
	some f in input.facts
	f.kind == "turn_config"
	not f.loopback_peers_allowed == false
}
