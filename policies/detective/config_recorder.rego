# METADATA
# title: An AWS Config recorder should be recording in every enabled region
# custom:
#   id: CV-DET-003
#   severity: medium
#   topic: logging
#   gdpr: ["Art. 5(2)", "Art. 32(1)(b)"]
#   iso27001: ["A.8.9"]
#   mapping: {"Art. 5(2)": "partial", "Art. 32(1)(b)": "partial", "A.8.9": "partial"}
#   applies_to: ["detective_controls"]
#   remediation: "Create an AWS Config configuration recorder with a delivery channel and start it in every enabled region."
package callvault.rules.config_recorder

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "detective_controls"
}

deny contains {"ref": f.ref, "msg": sprintf("No AWS Config recorder is recording in region %s", [f.id])} if {
	some f in input.facts
	f.kind == "detective_controls"
	not f.config_recording == true
	not "config_recording" in object.get(f, "unknown", [])
}

# Fail closed: a control the scan was not allowed to read is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"config_recording"})
}
