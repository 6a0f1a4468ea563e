# METADATA
# title: Log buckets should keep logs at least the minimum and expire them within the maximum log retention
# custom:
#   id: CV-RET-005
#   severity: medium
#   topic: retention
#   gdpr: ["Art. 5(1)(e)"]
#   iso27001: ["A.8.15", "A.8.10"]
#   mapping: {"Art. 5(1)(e)": "partial", "A.8.15": "partial", "A.8.10": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Add a lifecycle rule on the whole bucket with `expiration.days` between the minimum log retention (90 days) and logRetentionDays."
package callvault.rules.log_bucket_expiry

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
	f.purpose in {"access-logs", "audit-trail"}
}

deny contains {"ref": f.ref, "msg": sprintf("Log bucket %s has no whole-bucket expiry between %d and %d days (keeps logs forever, too long or too short)", [f.id, lib.min_log_retention_days, input.context.max_log_retention_days])} if {
	some f in input.facts
	f.kind == "bucket"
	f.purpose in {"access-logs", "audit-trail"}
	not expires(f)
}

expires(f) if {
	some r in f.lifecycle
	r.enabled == true
	r.prefix == ""
	r.object_filter == false # a tag or size filter leaves other objects unexpired
	r.expiration_days >= lib.min_log_retention_days
	r.expiration_days <= input.context.max_log_retention_days
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"lifecycle"})
}
