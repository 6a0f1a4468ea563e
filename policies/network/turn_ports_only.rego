# METADATA
# title: TURN security groups should open only TURN ports to the internet
# custom:
#   id: CV-NET-002
#   severity: high
#   topic: network
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.20", "A.8.21"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.20": "partial", "A.8.21": "partial"}
#   applies_to: ["security_group"]
#   remediation: "Allow only 3478/udp+tcp, 5349/tcp and the relay UDP range from the internet."
package callvault.rules.turn_ports_only

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "security_group"
	f.purpose == "media-relay"
}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "security_group"
	f.purpose == "media-relay"
	some rule in f.ingress
	rule.open_to_world == true
	not turn_port(rule)
	msg := sprintf("TURN security group %s opens %v %v-%v to the internet", [f.id, rule.protocol, rule.from_port, rule.to_port])
}

turn_port(rule) if {
	rule.protocol in {"udp", "tcp"}
	rule.from_port == 3478
	rule.to_port == 3478
}

turn_port(rule) if {
	rule.protocol == "tcp"
	rule.from_port == 5349
	rule.to_port == 5349
}

# The relay range: UDP only, above the well-known and registered low ports.
turn_port(rule) if {
	rule.protocol == "udp"
	rule.from_port >= 10000
}

# Fail closed: ingress rules the source does not show cannot be shown to be safe.
deny contains {"ref": f.ref, "msg": sprintf("Security group %s: ingress rules unknown", [f.id])} if {
	some f in input.facts
	f.kind == "security_group"
	f.purpose == "media-relay"
	not is_array(object.get(f, "ingress", null))
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"ingress"})
}
