# METADATA
# title: Bucket replication should not leave the allowed EU regions
# custom:
#   id: CV-RES-003
#   severity: critical
#   topic: residency
#   gdpr: ["Art. 44", "Art. 32(1)(b)"]
#   iso27001: ["A.5.14", "A.8.13"]
#   mapping: {"Art. 44": "partial", "Art. 32(1)(b)": "partial", "A.5.14": "partial", "A.8.13": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Replicate only to buckets in an allowed EU region, or remove the replication rule."
package callvault.rules.replication_in_eu

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "bucket"
	some r in f.replication
	not object.get(r, "destination_region", null) in input.context.allowed_regions
	msg := sprintf("Bucket %s replicates to %s in region %v, outside the allowed regions", [f.id, r.destination_bucket, r.destination_region])
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s: replication configuration unknown", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	not is_array(object.get(f, "replication", null))
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"replication"})
}
