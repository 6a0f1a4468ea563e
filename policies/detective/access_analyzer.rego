# METADATA
# title: IAM Access Analyzer should be active in every enabled region
# custom:
#   id: CV-DET-004
#   severity: medium
#   topic: logging
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.5.15"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.5.15": "partial"}
#   applies_to: ["detective_controls"]
#   remediation: "Create an IAM Access Analyzer (account or organisation zone of trust) in every enabled region."
package callvault.rules.access_analyzer

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "detective_controls"
}

deny contains {"ref": f.ref, "msg": sprintf("No active IAM Access Analyzer in region %s", [f.id])} if {
	some f in input.facts
	f.kind == "detective_controls"
	not f.access_analyzer_active == true
	not "access_analyzer_active" in object.get(f, "unknown", [])
}

# Fail closed: a control the scan was not allowed to read is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"access_analyzer_active"})
}
