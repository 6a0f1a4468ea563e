# METADATA
# title: KMS keys should have automatic rotation on
# custom:
#   id: CV-KEY-001
#   severity: high
#   topic: key-management
#   gdpr: ["Art. 32(1)(a)"]
#   iso27001: ["A.8.24"]
#   applies_to: ["kms_key"]
#   remediation: "Set `enableKeyRotation: true` on the key."
package callvault.rules.kms_rotation

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "kms_key"
}

deny contains {"ref": f.ref, "msg": sprintf("KMS key %s does not rotate", [f.id])} if {
	some f in input.facts
	f.kind == "kms_key"
	not f.rotation_enabled == true
}
