# METADATA
# title: The audit trail should be logging
# custom:
#   id: CV-LOG-005
#   severity: high
#   topic: logging
#   gdpr: ["Art. 5(2)"]
#   iso27001: ["A.8.15"]
#   mapping: {"Art. 5(2)": "partial", "A.8.15": "partial"}
#   applies_to: ["trail"]
#   remediation: "Set `enableLogging: true` on the trail."
package callvault.rules.trail_logging_on

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "trail"
}

deny contains {"ref": f.ref, "msg": sprintf("Trail %s is not logging", [f.id])} if {
	some f in input.facts
	f.kind == "trail"
	not f.logging_enabled == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"logging_enabled"})
}
