# METADATA
# title: The audit trail should validate its log files
# custom:
#   id: CV-LOG-002
#   severity: medium
#   topic: logging
#   gdpr: ["Art. 5(2)", "Art. 5(1)(f)"]
#   iso27001: ["A.8.15", "A.5.33"]
#   mapping: {"Art. 5(2)": "partial", "Art. 5(1)(f)": "partial", "A.8.15": "partial", "A.5.33": "partial"}
#   applies_to: ["trail"]
#   remediation: "Set `enableLogFileValidation: true` on the trail."
package callvault.rules.trail_log_validation

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "trail"
}

deny contains {"ref": f.ref, "msg": sprintf("Trail %s does not validate log files", [f.id])} if {
	some f in input.facts
	f.kind == "trail"
	not f.log_file_validation == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"log_file_validation"})
}
