# METADATA
# title: Bucket ACLs should not grant public access
# custom:
#   id: CV-PUB-002
#   severity: critical
#   topic: public-access
#   gdpr: ["Art. 32(1)(b)", "Art. 25(2)"]
#   iso27001: ["A.8.3"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 25(2)": "partial", "A.8.3": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Use the `private` canned ACL (or BucketOwnerEnforced ownership) and remove AllUsers/AuthenticatedUsers grants."
package callvault.rules.bucket_acl_private

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s has a public (or unknown) ACL", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	not f.acl_public == false
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"acl_public"})
}
