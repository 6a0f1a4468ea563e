# METADATA
# title: A bucket's purpose tag should agree with what the facts show it holds
# custom:
#   id: CV-SCP-001
#   severity: high
#   topic: processors
#   gdpr: ["Art. 5(1)(b)", "Art. 30(1)"]
#   iso27001: ["A.5.9", "A.5.12"]
#   mapping: {"Art. 5(1)(b)": "partial", "Art. 30(1)": "partial", "A.5.9": "partial", "A.5.12": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Tag the bucket purpose=call-recording (or stop writing recordings to it): every recording rule keys on what the bucket holds."
package callvault.rules.recording_scope_tag

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
}

# The derivation rests on evidence other than the tag (writer, key, prefixes) and the tag
# names another purpose: a recording bucket labelled as something else.
deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "bucket"
	some reason in f.recording_evidence
	reason != "tagged purpose=call-recording"
	is_string(f.purpose)
	f.purpose != "call-recording"
	msg := sprintf("Bucket %s is tagged purpose=%s but holds recordings (%s)", [f.id, f.purpose, reason])
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s: what it holds was not derived", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	not is_array(object.get(f, "recording_evidence", null))
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"tags", "purpose", "encryption", "lifecycle"})
}
