# METADATA
# title: Data buckets should write server access logs
# custom:
#   id: CV-LOG-001
#   severity: medium
#   topic: logging
#   gdpr: ["Art. 5(2)", "Art. 32(1)(b)"]
#   iso27001: ["A.8.15"]
#   mapping: {"Art. 5(2)": "partial", "Art. 32(1)(b)": "partial", "A.8.15": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Add a BucketLogging resource targeting the access-log bucket."
package callvault.rules.bucket_access_logging

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
	not f.purpose == "access-logs"
}

# The access-log bucket itself is exempt: logging it into itself would loop.
deny contains {"ref": f.ref, "msg": sprintf("Bucket %s has no server access logging", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	not f.purpose == "access-logs"
	not f.logging.enabled == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"logging"})
}
