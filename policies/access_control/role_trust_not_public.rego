# METADATA
# title: Role trust policies should not let anyone assume the role
# custom:
#   id: CV-IAM-003
#   severity: critical
#   topic: access-control
#   gdpr: ["Art. 32(1)(b)"]
#   iso27001: ["A.5.15", "A.8.5"]
#   applies_to: ["iam_role"]
#   remediation: "Name the service or account principal in the trust policy instead of `*`."
package callvault.rules.role_trust_not_public

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "iam_role"
}

deny contains {"ref": f.ref, "msg": sprintf("Role %s can be assumed by any principal", [f.id])} if {
	some f in input.facts
	f.kind == "iam_role"
	not f.trust_public == false
}
