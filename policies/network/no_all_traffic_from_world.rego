# METADATA
# title: Security groups should not accept all traffic from the internet
# custom:
#   id: CV-NET-003
#   severity: critical
#   topic: network
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.20", "A.8.22"]
#   applies_to: ["security_group"]
#   remediation: "Replace all-protocol / all-port internet ingress with the specific ports the service needs."
package callvault.rules.no_all_traffic_from_world

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "security_group"
}

deny contains {"ref": f.ref, "msg": sprintf("Security group %s accepts every protocol and port from the internet", [f.id])} if {
	some f in input.facts
	f.kind == "security_group"
	some rule in f.ingress
	rule.open_to_world == true
	rule.protocol == "all"
}

# Fail closed: ingress rules the source does not show cannot be shown to be safe.
deny contains {"ref": f.ref, "msg": sprintf("Security group %s: ingress rules unknown", [f.id])} if {
	some f in input.facts
	f.kind == "security_group"
	not is_array(object.get(f, "ingress", null))
}
