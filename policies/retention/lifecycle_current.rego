# METADATA
# title: Recording expiry should not exceed each meeting type's retention
# custom:
#   id: CV-RET-001
#   severity: high
#   topic: retention
#   gdpr: ["Art. 5(1)(e)", "Art. 17(1)(a)"]
#   iso27001: ["A.8.10", "A.5.33"]
#   mapping: {"Art. 5(1)(e)": "partial", "Art. 17(1)(a)": "partial", "A.8.10": "partial", "A.5.33": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Add a lifecycle rule per meeting-type prefix with `expiration.days` no longer than its retention."
package callvault.rules.lifecycle_current

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
	msg := sprintf("Bucket %s has no enabled lifecycle rule expiring %s objects under %s within %d days", [f.id, "current", mt.prefix, mt.retention_days])
}

# Fail closed: without the stack's meeting types the retention cannot be checked.
deny contains {"ref": f.ref, "msg": sprintf("Bucket %s holds recordings but no meeting-type retention is known (pass the stack config)", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	lib.holds_recordings(f)
	count(lib.recorded_meeting_types) == 0
}

expires_in_time(f, mt) if {
	some r in f.lifecycle
	r.enabled == true
	r.object_filter == false # a tag or size filter leaves other objects unexpired
	startswith(mt.prefix, r.prefix)
	is_number(r.expiration_days) # OPA orders null before numbers: null <= 30 holds
	r.expiration_days <= mt.retention_days
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"lifecycle"})
}
