# METADATA
# title: Bucket policies should not allow anyone
# custom:
#   id: CV-PUB-003
#   severity: critical
#   topic: public-access
#   gdpr: ["Art. 32(1)(b)", "Art. 5(1)(f)", "Art. 25(2)"]
#   iso27001: ["A.8.3", "A.5.15"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 5(1)(f)": "partial", "Art. 25(2)": "partial", "A.8.3": "partial", "A.5.15": "partial"}
#   applies_to: ["bucket"]
#   remediation: "Remove Allow statements for Principal `*` without conditions."
package callvault.rules.bucket_policy_not_public

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "bucket"
}

deny contains {"ref": f.ref, "msg": sprintf("Bucket %s has a policy that allows any principal (or cannot be read)", [f.id])} if {
	some f in input.facts
	f.kind == "bucket"
	not private_policy(f)
}

private_policy(f) if {
	f.policy.public == false
	f.policy.readable == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"policy"})
}
