# METADATA
# title: TURN servers should use ephemeral pseudonymous credentials only
# custom:
#   id: CV-MIN-003
#   severity: high
#   topic: minimisation
#   gdpr: ["Art. 5(1)(c)", "Art. 32(1)(b)"]
#   iso27001: ["A.8.5", "A.8.11"]
#   mapping: {"Art. 5(1)(c)": "partial", "Art. 32(1)(b)": "partial", "A.8.5": "partial", "A.8.11": "partial"}
#   applies_to: ["turn_config"]
#   remediation: "Use `use-auth-secret` with a static-auth-secret and remove `user=` / `lt-cred-mech` accounts."
package callvault.rules.turn_ephemeral_credentials

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "turn_config"
}

deny contains {"ref": f.ref, "msg": sprintf("TURN config %s allows long-lived (non-REST) credentials", [f.id])} if {
	some f in input.facts
	f.kind == "turn_config"
	not f.ephemeral_credentials == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"ephemeral_credentials"})
}
