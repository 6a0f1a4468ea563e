# METADATA
# title: TURN servers should offer TLS 1.2 or later only
# custom:
#   id: CV-EIT-002
#   severity: high
#   topic: encryption-in-transit
#   gdpr: ["Art. 32(1)(a)"]
#   iso27001: ["A.8.24", "A.8.21"]
#   mapping: {"Art. 32(1)(a)": "partial", "A.8.24": "partial", "A.8.21": "partial"}
#   applies_to: ["turn_config"]
#   remediation: "Configure cert/pkey and set `no-tlsv1` and `no-tlsv1_1` in turnserver.conf."
package callvault.rules.turn_tls12

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "turn_config"
}

deny contains {"ref": f.ref, "msg": sprintf("TURN config %s: TLS enabled %v, minimum version %v (needs TLS 1.2+)", [f.id, object.get(f, "tls_enabled", null), object.get(f, "tls_min_version", null)])} if {
	some f in input.facts
	f.kind == "turn_config"
	not tls12(f)
}

tls12(f) if {
	f.tls_enabled == true
	f.tls_min_version in {"1.2", "1.3"}
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"tls_enabled", "tls_min_version"})
}
