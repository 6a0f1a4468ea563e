# METADATA
# title: Buckets should have versioning on
# custom:
#   id: CV-RSL-001
#   severity: medium
#   topic: resilience
#   gdpr: ["Art. 32(1)(b)", "Art. 32(1)(c)"]
#   iso27001: ["A.8.13"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 32(1)(c)": "partial", "A.8.13": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Add a BucketVersioning resource with status Enabled (and expire noncurrent versions)."
package callvault.rules.bucket_versioning

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s is not versioned", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	not f.versioning == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"versioning"})
}
