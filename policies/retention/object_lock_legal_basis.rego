# METADATA
# title: Object lock should only hold recordings whose legal basis requires keeping them
# custom:
#   id: CV-RET-004
#   severity: high
#   topic: retention
#   gdpr: ["Art. 17(3)(b)", "Art. 5(1)(e)"]
#   iso27001: ["A.8.10", "A.5.33"]
#   applies_to: ["bucket"]
#   remediation: "Disable object lock, or keep only legal-obligation meeting types in the locked bucket."
package callvault.rules.object_lock_legal_basis

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
	f.purpose == "call-recording"
}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "bucket"
	f.purpose == "call-recording"
	f.object_lock == true
	some name in lib.stored_meeting_types(f)
	input.context.meeting_types[name].legal_basis != "legal-obligation"
	msg := sprintf("Bucket %s locks objects, but meeting type %s (%s) must stay erasable on request (Art. 17)", [f.id, name, input.context.meeting_types[name].legal_basis])
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s: object-lock setting unknown", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	f.purpose == "call-recording"
	not is_boolean(object.get(f, "object_lock", null))
}
