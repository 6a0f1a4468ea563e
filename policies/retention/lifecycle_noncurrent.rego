# METADATA
# title: Noncurrent recording versions should expire within 7 days
# custom:
#   id: CV-RET-002
#   severity: medium
#   topic: retention
#   gdpr: ["Art. 5(1)(e)", "Art. 17(1)(a)"]
#   iso27001: ["A.8.10"]
#   mapping: {"Art. 5(1)(e)": "partial", "Art. 17(1)(a)": "partial", "A.8.10": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Set `noncurrentVersionExpiration.noncurrentDays` to 7 or less on every meeting-type lifecycle rule."
package callvault.rules.lifecycle_noncurrent

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
	lib.holds_recordings(f)
}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "bucket"
	lib.holds_recordings(f)
	some name in lib.recorded_meeting_types
	mt := input.context.meeting_types[name]
	not expires_in_time(f, mt)
	msg := sprintf("Bucket %s has no enabled lifecycle rule expiring noncurrent objects under %s within %d days", [f.id, mt.prefix, max_noncurrent_days])
}

# Fail closed: without the stack's meeting types the retention cannot be checked.
deny contains {"ref": f.ref, "msg": sprintf("Bucket %s holds recordings but no meeting-type retention is known (pass the stack config)", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	lib.holds_recordings(f)
	count(lib.recorded_meeting_types) == 0
}

# A deleted or overwritten recording must not outlive an erasure request by more than a week.
max_noncurrent_days := 7

expires_in_time(f, mt) if {
	some r in f.lifecycle
	r.enabled == true
	r.object_filter == false # a tag or size filter leaves other objects unexpired
	startswith(mt.prefix, r.prefix)
	is_number(r.noncurrent_expiration_days) # OPA orders null before numbers: null <= 7 holds
	r.noncurrent_expiration_days <= max_noncurrent_days
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"lifecycle"})
}
