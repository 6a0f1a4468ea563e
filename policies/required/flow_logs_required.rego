# METADATA
# title: Every VPC of the stack should capture ALL traffic in flow logs
# custom:
#   id: CV-REQ-002
#   severity: medium
#   topic: logging
#   gdpr: ["Art. 5(2)", "Art. 32(1)(b)"]
#   iso27001: ["A.8.15", "A.8.16", "A.8.20"]
#   mapping: {"Art. 5(2)": "partial", "Art. 32(1)(b)": "partial", "A.8.15": "partial", "A.8.16": "partial", "A.8.20": "partial"}
#   applies_to: ["stack"]
#   remediation: "Add an aws.ec2.FlowLog with trafficType ALL to every VPC (and declare the VPC the hosts run in)."
package callvault.rules.flow_logs_required

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "stack"
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s: VPC %s has no flow log capturing ALL traffic", [f.id, v])} if {
	some f in input.facts
	f.kind == "stack"
	some v in f.vpcs_without_all_flow_logs
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s runs hosts but declares no VPC whose flow logs could be shown", [f.id])} if {
	some f in input.facts
	f.kind == "stack"
	f.hosts > 0
	not lib.non_empty_array(object.get(f, "vpcs", null))
}

deny contains {"ref": f.ref, "msg": sprintf("Stack %s: the VPCs and their flow logs were not derived", [f.id])} if {
	some f in input.facts
	f.kind == "stack"
	some p in ["vpcs", "vpcs_without_all_flow_logs"]
	not is_array(object.get(f, p, null))
	not p in object.get(f, "unknown", [])
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"vpcs_without_all_flow_logs"})
}
