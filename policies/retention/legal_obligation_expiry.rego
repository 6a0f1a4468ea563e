# METADATA
# title: Legal-obligation recordings should not expire before their retention
# custom:
#   id: CV-RET-006
#   severity: high
#   topic: retention
#   gdpr: ["Art. 6(1)(c)", "Art. 17(3)(b)"]
#   iso27001: ["A.5.33", "A.8.10"]
#   mapping: {"Art. 6(1)(c)": "partial", "Art. 17(3)(b)": "partial", "A.5.33": "partial", "A.8.10": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Give the meeting type's prefix one lifecycle rule whose `expiration.days` equals its retention, and remove rules (by prefix, tag or size) that expire its objects earlier."
package callvault.rules.legal_obligation_expiry

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
	f.purpose == "call-recording"
}

# A recording kept under a legal obligation must exist until its retention ends: any enabled
# lifecycle rule reaching objects under its prefix (a broader prefix, a narrower one, or a
# tag/size filter) that expires them sooner deletes what the law says to keep.
deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "bucket"
	f.purpose == "call-recording"
	some name, mt in input.context.meeting_types
	mt.legal_basis == "legal-obligation"
	mt.recording != "forbidden"
	some r in f.lifecycle
	r.enabled == true
	overlaps(r.prefix, mt.prefix)
	is_number(r.expiration_days)
	r.expiration_days < mt.retention_days
	msg := sprintf("Bucket %s expires %s recordings (legal obligation, %d days) after %d days (lifecycle rule %s)", [f.id, name, mt.retention_days, r.expiration_days, r.id])
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s: lifecycle rules unknown", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	f.purpose == "call-recording"
	not is_array(object.get(f, "lifecycle", null)) # OPA hoists f.lifecycle out of "not"
}

overlaps(rule_prefix, type_prefix) if startswith(type_prefix, rule_prefix)

overlaps(rule_prefix, type_prefix) if startswith(rule_prefix, type_prefix)

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"lifecycle"})
}
