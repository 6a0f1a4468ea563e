# METADATA
# title: A bucket that holds recordings should declare its purpose
# custom:
#   id: CV-SCP-002
#   severity: high
#   topic: processors
#   gdpr: ["Art. 5(1)(b)", "Art. 30(1)"]
#   iso27001: ["A.5.9", "A.5.12"]
#   mapping: {"Art. 5(1)(b)": "partial", "Art. 30(1)": "partial", "A.5.9": "partial", "A.5.12": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Tag the bucket purpose=call-recording and meeting-type=<name|all>."
package callvault.rules.recording_bucket_purpose

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s holds recordings (%s) but has no purpose tag", [f.id, f.recording_evidence[0]])} if {
	some f in input.facts
	f.kind == "bucket"
	f.holds_recordings == true
	not is_string(object.get(f, "purpose", null))
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s: what it holds was not derived", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	not is_boolean(object.get(f, "holds_recordings", null))
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"tags", "purpose", "encryption", "lifecycle"})
}
