# METADATA
# title: Log buckets should expire their logs within the log retention
# custom:
#   id: CV-RET-005
#   severity: medium
#   topic: retention
#   gdpr: ["Art. 5(1)(e)"]
#   iso27001: ["A.8.15", "A.8.10"]
#   applies_to: ["bucket"]
#   remediation: "Add a lifecycle rule on the whole bucket with `expiration.days` no longer than logRetentionDays."
package callvault.rules.log_bucket_expiry

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
	f.purpose in {"access-logs", "audit-trail"}
}

deny contains {"ref": f.ref, "msg": sprintf("Log bucket %s keeps logs longer than %d days (or forever)", [f.id, input.context.max_log_retention_days])} if {
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
	r.expiration_days > 0
	r.expiration_days <= input.context.max_log_retention_days
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"lifecycle"})
}
