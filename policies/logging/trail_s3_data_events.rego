# METADATA
# title: The audit trail should record S3 data events
# custom:
#   id: CV-LOG-003
#   severity: high
#   topic: logging
#   gdpr: ["Art. 5(2)", "Art. 32(1)(b)"]
#   iso27001: ["A.8.15", "A.8.16"]
#   mapping: {"Art. 5(2)": "partial", "Art. 32(1)(b)": "partial", "A.8.15": "partial", "A.8.16": "partial"}
#   applies_to: ["trail"]
#   remediation: "Add an event selector (readWriteType All) with data resource type AWS::S3::Object for each recordings bucket."
package callvault.rules.trail_s3_data_events

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "trail"
}

# Fail closed: without the list of recording buckets coverage cannot be shown.
deny contains {"ref": f.ref, "msg": sprintf("Trail %s: the recording buckets it must cover are unknown", [f.id])} if {
	some f in input.facts
	f.kind == "trail"
	not is_array(object.get(f, "recording_buckets", null))
}

deny contains {"ref": f.ref, "msg": sprintf("Trail %s records no S3 object-level (data) events: reads of recordings are not audited", [f.id])} if {
	some f in input.facts
	f.kind == "trail"
	not f.s3_data_events == true
}

# Reads and writes of every recording bucket must be recorded (a WriteOnly selector, or one on
# another bucket, leaves who listened to a recording unaudited).
deny contains {"ref": f.ref, "msg": sprintf("Trail %s does not record S3 %s data events for recording bucket %s", [f.id, access, b])} if {
	some f in input.facts
	f.kind == "trail"
	some b in f.recording_buckets
	some access in ["reads", "writes"]
	not records(f, access, b)
}

records(f, access, b) if {
	some s in f.s3_data_selectors
	s[access] == true
	some p in s.arn_prefixes
	startswith(sprintf("arn:aws:s3:::%s/", [b]), p)
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"s3_data_events", "s3_data_selectors", "recording_buckets"})
}
