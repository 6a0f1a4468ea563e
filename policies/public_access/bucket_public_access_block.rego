# METADATA
# title: Buckets should block all public access
# custom:
#   id: CV-PUB-001
#   severity: critical
#   topic: public-access
#   gdpr: ["Art. 32(1)(b)", "Art. 5(1)(f)", "Art. 25(2)"]
#   iso27001: ["A.8.3", "A.8.12"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 5(1)(f)": "partial", "Art. 25(2)": "partial", "A.8.3": "partial", "A.8.12": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Add a BucketPublicAccessBlock with all four flags true."
package callvault.rules.bucket_public_access_block

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
}

flags := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s does not set %s in its public-access block", [f.id, flag])} if {
	some f in input.facts
	f.kind == "bucket"
	some flag in flags
	not object.get(f, ["public_access_block", flag], false) == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"public_access_block"})
}
