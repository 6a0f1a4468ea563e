# METADATA
# title: The stack should declare its processors and its meeting types
# custom:
#   id: CV-REQ-004
#   severity: high
#   topic: processors
#   gdpr: ["Art. 28(1)", "Art. 30(1)", "Art. 5(1)(b)"]
#   iso27001: ["A.5.19", "A.5.20"]
#   mapping: {"Art. 28(1)": "partial", "Art. 30(1)": "partial", "Art. 5(1)(b)": "partial", "A.5.19": "partial", "A.5.20": "partial"}
#   applies_to: ["stack"]
#   remediation: "Declare callvault:processors (each with its DPA reference) and callvault:meetingTypes in the stack file; for `gdpr-audit state`, pass it with --stack-config."
package callvault.rules.processors_declared

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "stack"
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s declares no processors (Art. 28): pass the stack config", [f.id])} if {
	some f in input.facts
	f.kind == "stack"
	not lib.non_empty_array(object.get(f, "processors", null))
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s: the processors and meeting types were not derived", [f.id])} if {
	some f in input.facts
	f.kind == "stack"
	some p in ["processors", "meeting_types"]
	not is_array(object.get(f, p, null))
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s declares no meeting types: purposes and retention are unknown", [f.id])} if {
	some f in input.facts
	f.kind == "stack"
	not lib.non_empty_array(object.get(f, "meeting_types", null))
}
