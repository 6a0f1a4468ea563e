# METADATA
# title: Security Hub should be enabled in every enabled region
# custom:
#   id: CV-DET-002
#   severity: medium
#   topic: logging
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.16"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.16": "partial"}
#   applies_to: ["detective_controls"]
#   remediation: "Enable Security Hub in every enabled region so findings are aggregated and reviewed."
package callvault.rules.securityhub_enabled

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "detective_controls"
}

deny contains {"ref": f.ref, "msg": sprintf("Security Hub is not enabled in region %s", [f.id])} if {
	some f in input.facts
	f.kind == "detective_controls"
	not f.securityhub_enabled == true
	not "securityhub_enabled" in object.get(f, "unknown", [])
}

# Fail closed: a control the scan was not allowed to read is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"securityhub_enabled"})
}
