# METADATA
# title: Roles should not hold administrator or full-access permissions
# custom:
#   id: CV-IAM-002
#   severity: high
#   topic: access-control
#   gdpr: ["Art. 32(1)(b)", "Art. 25(2)"]
#   iso27001: ["A.5.15", "A.8.2"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 25(2)": "partial", "A.5.15": "partial", "A.8.2": "partial"}
#   applies_to: ["iam_role"]
#   remediation: "Replace wildcard actions, NotAction and NotResource grants, iam:PassRole on any role and *FullAccess / AdministratorAccess managed policies with the specific actions needed."
package callvault.rules.no_admin_policies

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "iam_role"
}

deny contains {"ref": f.ref, "msg": sprintf("Role %s allows %v on %v", [f.id, s.actions, s.resources])} if {
	some f in input.facts
	f.kind == "iam_role"
	some s in f.statements
	s.effect == "Allow"
	some a in s.actions
	wildcard_action(a)
}

deny contains {"ref": f.ref, "msg": sprintf("Role %s has the broad managed policy %s", [f.id, arn])} if {
	some f in input.facts
	f.kind == "iam_role"
	some arn in f.managed_policy_arns
	broad_managed_policy(arn)
}

# NotAction in an Allow grants everything except what it lists.
deny contains {"ref": f.ref, "msg": sprintf("Role %s allows every action except %v on %v", [f.id, s.not_actions, s.resources])} if {
	some f in input.facts
	f.kind == "iam_role"
	some s in f.statements
	s.effect == "Allow"
	count(s.not_actions) > 0
}

# iam:PassRole on any role lets the holder hand itself (or a new instance) any role's rights.
deny contains {"ref": f.ref, "msg": sprintf("Role %s may pass any role (%v on %v)", [f.id, s.actions, s.resources])} if {
	some f in input.facts
	f.kind == "iam_role"
	some s in f.statements
	s.effect == "Allow"
	some a in s.actions
	lower(a) in {"iam:passrole", "iam:*"}
	some r in s.resources
	contains(r, "*")
}

# Any wildcard in an action ("*", "s3:*", "s3:Get*") grants actions nobody reviewed one by one.
wildcard_action(a) if contains(a, "*")

# `?` matches any one character: `iam:PassRol?` is as much a wildcard as `iam:PassRol*`.
wildcard_action(a) if contains(a, "?")

# An everything-but grant (NotResource) reaches every resource it does not name.
deny contains {"ref": f.ref, "msg": sprintf("Role %s allows %v on every resource except %v", [f.id, s.actions, s.not_resources])} if {
	some f in input.facts
	f.kind == "iam_role"
	some s in f.statements
	s.effect == "Allow"
	count(object.get(s, "not_resources", [])) > 0
}

broad_managed_policy(arn) if endswith(arn, "/AdministratorAccess")

broad_managed_policy(arn) if endswith(arn, "FullAccess")

broad_managed_policy(arn) if contains(arn, "PowerUser")

# Fail closed: permissions the source does not show (or cannot parse) cannot be shown to be narrow.
deny contains {"ref": f.ref, "msg": sprintf("Role %s: permissions unknown or unreadable", [f.id])} if {
	some f in input.facts
	f.kind == "iam_role"
	not known_permissions(f)
}

known_permissions(f) if {
	is_array(f.statements)
	is_array(f.managed_policy_arns)
	f.policies_readable == true
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"managed_policy_arns", "policies_readable", "statements"})
}
