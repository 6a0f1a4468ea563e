# METADATA
# title: Recording buckets should deny uploads without SSE-KMS
# custom:
#   id: CV-EAR-003
#   severity: medium
#   topic: encryption-at-rest
#   gdpr: ["Art. 32(1)(a)"]
#   iso27001: ["A.8.24", "A.8.12"]
#   mapping: {"Art. 32(1)(a)": "partial", "A.8.24": "partial", "A.8.12": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Add a bucket-policy statement denying s3:PutObject when s3:x-amz-server-side-encryption is not aws:kms."
package callvault.rules.deny_unencrypted_puts

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
	lib.holds_recordings(f)
}

deny contains {"ref": f.ref, "msg": sprintf("Recording bucket %s accepts uploads without SSE-KMS", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	lib.holds_recordings(f)
	not f.policy.denies_unencrypted_puts == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"policy"})
}
