# METADATA
# title: GuardDuty should be enabled in every enabled region
# custom:
#   id: CV-DET-001
#   severity: high
#   topic: logging
#   gdpr: ["Art. 32(1)(b)", "Art. 33"]
#   iso27001: ["A.8.16"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 33": "partial", "A.8.16": "partial"}
#   applies_to: ["detective_controls"]
#   remediation: "Enable GuardDuty (a detector with status ENABLED) in every enabled region, ideally organisation-wide from a delegated administrator."
package callvault.rules.guardduty_enabled

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "detective_controls"
}

deny contains {"ref": f.ref, "msg": sprintf("GuardDuty is not enabled in region %s", [f.id])} if {
	some f in input.facts
	f.kind == "detective_controls"
	not f.guardduty_enabled == true
	not "guardduty_enabled" in object.get(f, "unknown", [])
}

# Fail closed: a control the scan was not allowed to read is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"guardduty_enabled"})
}
