# METADATA
# title: The audit trail should be encrypted with a KMS key
# custom:
#   id: CV-EAR-006
#   severity: medium
#   topic: encryption-at-rest
#   gdpr: ["Art. 32(1)(a)", "Art. 5(2)"]
#   iso27001: ["A.8.24", "A.8.15"]
#   mapping: {"Art. 32(1)(a)": "partial", "Art. 5(2)": "partial", "A.8.24": "partial", "A.8.15": "partial"}
#   applies_to: ["trail"]
#   remediation: "Set `kmsKeyId` on the CloudTrail trail."
package callvault.rules.trail_kms

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "trail"
}

deny contains {"ref": f.ref, "msg": sprintf("Trail %s delivers logs without SSE-KMS", [f.id])} if {
	some f in input.facts
	f.kind == "trail"
	not is_string(object.get(f, "kms_key_id", null))
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"kms_key_id"})
}
