# METADATA
# title: Role trust policies should not let anyone assume the role
# custom:
#   id: CV-IAM-003
#   severity: critical
#   topic: access-control
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.5.15", "A.8.5"]
#   mapping: {"Art. 32(1)(b)": "partial", "A.5.15": "partial", "A.8.5": "partial"}
#   applies_to: ["iam_role"]
#   remediation: "Name the service or account principal in the trust policy instead of `*`."
package callvault.rules.role_trust_not_public

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "iam_role"
}

deny contains {"ref": f.ref, "msg": sprintf("Role %s can be assumed by any principal", [f.id])} if {
	some f in input.facts
	f.kind == "iam_role"
	not f.trust_public == false
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"trust_public"})
}
