# METADATA
# title: KMS keys should have automatic rotation on
# custom:
#   id: CV-KEY-001
#   severity: high
#   topic: key-management
#   gdpr: ["Art. 32(1)(a)"]
#   iso27001: ["A.8.24"]
#   mapping: {"Art. 32(1)(a)": "partial", "A.8.24": "partial"}
#   applies_to: ["kms_key"]
#   remediation: "Set `enableKeyRotation: true` on the key."
package callvault.rules.kms_rotation

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "kms_key"
}

deny contains {"ref": f.ref, "msg": sprintf("KMS key %s does not rotate", [f.id])} if {
	some f in input.facts
	f.kind == "kms_key"
	not f.rotation_enabled == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"rotation_enabled"})
}
