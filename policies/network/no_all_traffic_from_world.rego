# METADATA
# title: Security groups should not accept all traffic from the internet
# custom:
#   id: CV-NET-003
#   severity: critical
#   topic: network
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.20", "A.8.22"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.20": "partial", "A.8.22": "partial"}
#   applies_to: ["security_group"]
#   remediation: "Replace all-protocol / all-port internet ingress with the specific ports the service needs."
package callvault.rules.no_all_traffic_from_world

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "security_group"
}

deny contains {"ref": f.ref, "msg": sprintf("Security group %s accepts every port (%s) from the internet", [f.id, rule.protocol])} if {
	some f in input.facts
	f.kind == "security_group"
	some rule in f.ingress
	rule.open_to_world == true
	every_port(rule)
}

every_port(rule) if rule.protocol == "all"

# TCP or UDP over the whole port range is all traffic of that protocol.
every_port(rule) if {
	rule.protocol in {"tcp", "udp", "6", "17"}
	is_number(rule.from_port) # OPA orders null before numbers
	rule.from_port <= 0
	rule.to_port >= 65535
}

# Fail closed: ingress rules the source does not show cannot be shown to be safe.
deny contains {"ref": f.ref, "msg": sprintf("Security group %s: ingress rules unknown", [f.id])} if {
	some f in input.facts
	f.kind == "security_group"
	not is_array(object.get(f, "ingress", null))
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"ingress"})
}
