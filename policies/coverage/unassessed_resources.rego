# METADATA
# title: Resources that hold data, keys, compute or network should be of a type the auditor reads
# custom:
#   id: CV-COV-001
#   severity: high
#   topic: encryption-at-rest
#   gdpr: ["Art. 32(1)(a)", "Art. 5(2)"]
#   iso27001: ["A.5.9", "A.8.9"]
#   mapping: {"Art. 32(1)(a)": "partial", "Art. 5(2)": "partial", "A.5.9": "partial", "A.8.9": "partial"}
#   applies_to: ["resource"]
#   remediation: "Use a resource type the auditor models (docs/facts.md), remove the resource, or, if it holds no personal data and no setting a rule should judge, list its type as inert with the reason in audit/data/resource_types.yaml."
package callvault.rules.unassessed_resources

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "resource"
}

# Fail closed: the auditor cannot show that a store, key, host or network of an unread type is
# encrypted, private or in the EU, so it fails rather than vanishing from the report.
deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "resource"
	object.get(f, "category", "unknown") in lib.risky_categories
	not is_string(object.get(f, "inert_reason", null))
	msg := sprintf("%s is a %s resource of a type the auditor does not read: its encryption and exposure are not assessed", [f.id, object.get(f, "category", "unknown")])
}

deny contains {"ref": f.ref, "msg": sprintf("%s: its type was not categorised", [f.id])} if {
	some f in input.facts
	f.kind == "resource"
	not is_string(object.get(f, "category", null))
}
