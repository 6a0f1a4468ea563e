# METADATA
# title: Object lock should only hold recordings whose legal basis requires keeping them
# custom:
#   id: CV-RET-004
#   severity: high
#   topic: retention
#   gdpr: ["Art. 17(3)(b)", "Art. 5(1)(e)"]
#   iso27001: ["A.8.10", "A.5.33"]
#   mapping: {"Art. 17(3)(b)": "partial", "Art. 5(1)(e)": "partial", "A.8.10": "partial", "A.5.33": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Disable object lock, or keep only legal-obligation meeting types in the locked bucket."
package callvault.rules.object_lock_legal_basis

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
	f.object_lock == true
	some name in lib.stored_meeting_types(f)
	input.context.meeting_types[name].legal_basis != "legal-obligation"
	msg := sprintf("Bucket %s locks objects, but meeting type %s (%s) must stay erasable on request (Art. 17)", [f.id, name, input.context.meeting_types[name].legal_basis])
}

# A locked bucket whose meeting type is missing or unknown cannot be shown to hold only
# legal-obligation recordings.
deny contains {"ref": f.ref, "msg": sprintf("Bucket %s locks objects, but which meeting types it holds is unknown", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	lib.holds_recordings(f)
	f.object_lock == true
	not known_meeting_types(f)
}

known_meeting_types(f) if {
	stored := lib.stored_meeting_types(f)
	count(stored) > 0
	every name in stored { input.context.meeting_types[name] }
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s: object-lock setting unknown", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	lib.holds_recordings(f)
	not is_boolean(object.get(f, "object_lock", null))
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"object_lock"})
}
