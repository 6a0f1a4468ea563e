# METADATA
# title: KMS-encrypted buckets should use an S3 bucket key
# custom:
#   id: CV-EAR-002
#   severity: low
#   topic: encryption-at-rest
#   gdpr: ["Art. 32(1)(a)"]
#   iso27001: ["A.8.24"]
#   mapping: {"Art. 32(1)(a)": "partial", "A.8.24": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Set `bucketKeyEnabled: true` on the bucket's encryption rule."
package callvault.rules.bucket_key

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
	f.encryption.algorithm == "aws:kms"
}

# Fail closed: whether the bucket uses SSE-KMS is itself unknown before deploy.
applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
	"encryption" in object.get(f, "unknown", [])
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s uses SSE-KMS without a bucket key", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	f.encryption.algorithm == "aws:kms"
	not f.encryption.bucket_key == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"encryption"})
}
