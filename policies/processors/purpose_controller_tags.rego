# METADATA
# title: Resources should carry purpose and controller tags
# custom:
#   id: CV-TAG-001
#   severity: low
#   topic: processors
#   gdpr: ["Art. 5(1)(b)", "Art. 5(2)"]
#   iso27001: ["A.5.9", "A.5.12"]
#   mapping: {"Art. 5(1)(b)": "partial", "Art. 5(2)": "partial", "A.5.9": "partial", "A.5.12": "partial"}
#   applies_to: ["bucket", "kms_key", "trail", "instance", "launch_template", "log_group", "security_group", "iam_role", "vpc"]
#   remediation: "Tag the resource with `purpose` and `controller` (infra.tags does this for CallVault's components)."
package callvault.rules.purpose_controller_tags

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind in {"bucket", "kms_key", "trail", "instance", "launch_template", "log_group", "security_group", "iam_role", "vpc"}
}

deny contains {"ref": f.ref, "msg": sprintf("%s %s has no %s tag", [f.kind, f.id, tag])} if {
	some f in input.facts
	f.kind in {"bucket", "kms_key", "trail", "instance", "launch_template", "log_group", "security_group", "iam_role", "vpc"}
	some tag in ["purpose", "controller"]
	not non_empty(object.get(f, ["tags", tag], ""))
}

non_empty(value) if {
	is_string(value)
	trim_space(value) != ""
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"tags"})
}
