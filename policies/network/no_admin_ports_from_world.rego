# METADATA
# title: Security groups should not open SSH or RDP to the internet
# custom:
#   id: CV-NET-001
#   severity: critical
#   topic: network
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.20", "A.8.22"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.20": "partial", "A.8.22": "partial"}
#   applies_to: ["security_group"]
#   remediation: "Remove 0.0.0.0/0 and ::/0 ingress on ports 22 and 3389; use SSM Session Manager."
package callvault.rules.no_admin_ports_from_world

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "security_group"
}

deny contains {"ref": f.ref, "msg": sprintf("Security group %s opens port %d to the internet", [f.id, port])} if {
	some f in input.facts
	f.kind == "security_group"
	some rule in f.ingress
	rule.open_to_world == true
	some port in [22, 3389]
	lib.covers_port(rule, "tcp", port)
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
