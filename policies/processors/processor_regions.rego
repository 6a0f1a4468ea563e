# METADATA
# title: Processors should process only in allowed EU regions
# custom:
#   id: CV-PRC-002
#   severity: high
#   topic: processors
#   gdpr: ["Art. 28(3)(a)", "Art. 44"]
#   iso27001: ["A.5.19", "A.5.14"]
#   mapping: {"Art. 28(3)(a)": "partial", "Art. 44": "partial", "A.5.19": "partial", "A.5.14": "partial"}
#   applies_to: ["processor"]
#   remediation: "Restrict the processor's declared regions to the stack's allowed regions."
package callvault.rules.processor_regions

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "processor"
}

deny contains {"ref": f.ref, "msg": sprintf("Processor %s processes in %s, outside the allowed regions", [f.id, region])} if {
	some f in input.facts
	f.kind == "processor"
	some region in f.regions
	not region in input.context.allowed_regions
}

deny contains {"ref": f.ref, "msg": sprintf("Processor %s declares no regions", [f.id])} if {
	some f in input.facts
	f.kind == "processor"
	not count(object.get(f, "regions", [])) > 0
}
