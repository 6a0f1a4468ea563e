# METADATA
# title: The audit trail should record S3 data events
# custom:
#   id: CV-LOG-003
#   severity: high
#   topic: logging
#   gdpr: ["Art. 5(2)", "Art. 32(1)(d)"]
#   iso27001: ["A.8.15", "A.8.16"]
#   applies_to: ["trail"]
#   remediation: "Add an event selector with data resource type AWS::S3::Object for the recordings bucket."
package callvault.rules.trail_s3_data_events

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "trail"
}

deny contains {"ref": f.ref, "msg": sprintf("Trail %s records no S3 object-level (data) events: reads of recordings are not audited", [f.id])} if {
	some f in input.facts
	f.kind == "trail"
	not f.s3_data_events == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"s3_data_events"})
}
