# METADATA
# title: Recording resources should name the meeting types they hold
# custom:
#   id: CV-TAG-002
#   severity: low
#   topic: processors
#   gdpr: ["Art. 5(1)(b)"]
#   iso27001: ["A.5.12", "A.5.9"]
#   mapping: {"Art. 5(1)(b)": "partial", "A.5.12": "partial", "A.5.9": "partial"}
#   applies_to: ["bucket", "kms_key"]
#   remediation: "Tag recording resources with `meeting-type` (a declared meeting type, or `all`)."
package callvault.rules.meeting_type_tag

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind in {"bucket", "kms_key"}
	lib.holds_recordings(f)
}

deny contains {"ref": f.ref, "msg": sprintf("%s %s holds recordings but its meeting-type tag is %v", [f.kind, f.id, object.get(f, ["tags", "meeting-type"], null)])} if {
	some f in input.facts
	f.kind in {"bucket", "kms_key"}
	lib.holds_recordings(f)
	not known_meeting_type(object.get(f, ["tags", "meeting-type"], null))
}

known_meeting_type("all")

known_meeting_type(name) if input.context.meeting_types[name]

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"meeting_type_tag", "tags"})
}
