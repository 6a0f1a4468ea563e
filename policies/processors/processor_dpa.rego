# METADATA
# title: Every processor should be declared with a DPA reference
# custom:
#   id: CV-PRC-001
#   severity: high
#   topic: processors
#   gdpr: ["Art. 28(3)", "Art. 28(1)"]
#   iso27001: ["A.5.19", "A.5.20"]
#   mapping: {"Art. 28(3)": "partial", "Art. 28(1)": "partial", "A.5.19": "partial", "A.5.20": "partial"}
#   applies_to: ["processor"]
#   remediation: "Add `dpaReference` (contract id or document link) for the processor in the stack config."
package callvault.rules.processor_dpa

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "processor"
}

deny contains {"ref": f.ref, "msg": sprintf("Processor %s has no DPA reference", [f.id])} if {
	some f in input.facts
	f.kind == "processor"
	not has_dpa(f)
}

has_dpa(f) if {
	is_string(f.dpa_reference)
	trim_space(f.dpa_reference) != ""
}
