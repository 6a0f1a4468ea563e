# METADATA
# title: Instances should require IMDSv2
# custom:
#   id: CV-IAM-004
#   severity: high
#   topic: access-control
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.8.9", "A.8.5"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.8.9": "partial", "A.8.5": "partial"}
#   applies_to: ["instance", "launch_template"]
#   remediation: "Set metadataOptions.httpTokens to `required` (and the hop limit to 1)."
package callvault.rules.imdsv2

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind in {"instance", "launch_template"}
}

deny contains {"ref": f.ref, "msg": sprintf("%s %s does not require IMDSv2 session tokens", [f.kind, f.id])} if {
	some f in input.facts
	f.kind in {"instance", "launch_template"}
	not f.imdsv2_required == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"imdsv2_required"})
}
