# METADATA
# title: TURN relays should deny peers in the metadata, private, loopback and IPv4-mapped ranges
# custom:
#   id: CV-TURN-001
#   severity: critical
#   topic: network
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.20", "A.8.22"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.20": "partial", "A.8.22": "partial"}
#   applies_to: ["turn_config"]
#   remediation: "Add `denied-peer-ip` lines covering 169.254.0.0/16 (IMDS), 10/8, 172.16/12, 192.168/16, 127/8, ::1 and ::ffff:0:0/96 (infra.turn_config.DENIED_PEER_RANGES)."
package callvault.rules.turn_denied_peers

import rego.v1

# The address classes a relay must not reach (coturn CVE-2020-26262): a TURN client could
# otherwise read instance credentials from IMDS or reach internal services.
protected := ["imds", "rfc1918", "loopback", "ipv4_mapped"]

applicable contains f.ref if {
	some f in input.facts
	f.kind == "turn_config"
}

deny contains {"ref": f.ref, "msg": sprintf("TURN config %s lets relays reach %s peers (no denied-peer-ip covers them)", [f.id, name])} if {
	some f in input.facts
	f.kind == "turn_config"
	some name in protected
	not f.denied_peers_cover[name] == true
}
