# METADATA
# title: Log groups should be encrypted with a KMS key
# custom:
#   id: CV-EAR-005
#   severity: medium
#   topic: encryption-at-rest
#   gdpr: ["Art. 32(1)(a)"]
#   iso27001: ["A.8.24", "A.8.15"]
#   mapping: {"Art. 32(1)(a)": "partial", "A.8.24": "partial", "A.8.15": "partial"}
#   applies_to: ["log_group"]
#   remediation: "Set `kmsKeyId` on the log group to the platform key."
package callvault.rules.log_group_kms

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "log_group"
}

deny contains {"ref": f.ref, "msg": sprintf("Log group %s is not KMS-encrypted", [f.id])} if {
	some f in input.facts
	f.kind == "log_group"
	not is_string(object.get(f, "kms_key_id", null))
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"kms_key_id"})
}
