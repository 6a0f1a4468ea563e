# METADATA
# title: The media-node role should only write recordings and use the recordings key with an encryption context
# custom:
#   id: CV-IAM-001
#   severity: high
#   topic: access-control
#   gdpr: ["Art. 32(1)(b)", "Art. 25(2)"]
#   iso27001: ["A.5.15", "A.8.2", "A.8.3"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 25(2)": "partial", "A.5.15": "partial", "A.8.2": "partial", "A.8.3": "partial"}
#   applies_to: ["iam_role"]
#   remediation: "Limit the media-node policy to s3:PutObject/s3:AbortMultipartUpload on `<bucket>/recordings/*` and kms:GenerateDataKey/Decrypt conditioned on the encryption context."
package callvault.rules.media_node_least_privilege

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "media-node"
}

s3_write := {"s3:PutObject", "s3:AbortMultipartUpload"}

kms_use := {"kms:GenerateDataKey", "kms:Decrypt"}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "media-node"
	some s in f.statements
	s.effect == "Allow"
	not allowed_statement(s)
	msg := sprintf("Media-node role %s allows %v on %v beyond recording writes and context-bound key use", [f.id, s.actions, s.resources])
}

deny contains {"ref": f.ref, "msg": sprintf("Media-node role %s has managed policies attached: %v", [f.id, f.managed_policy_arns])} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "media-node"
	lib.non_empty_array(f.managed_policy_arns)
}

deny contains {"ref": f.ref, "msg": sprintf("Media-node role %s has an unreadable policy", [f.id])} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "media-node"
	not f.policies_readable == true
}

allowed_statement(s) if {
	count(s.actions) > 0
	every a in s.actions { a in s3_write }
	count(s.resources) > 0
	every r in s.resources { endswith(r, "/recordings/*") }
}

allowed_statement(s) if {
	count(s.actions) > 0
	every a in s.actions { a in kms_use }
	some key in s.condition_keys
	startswith(key, "kms:encryptioncontext")
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"managed_policy_arns", "policies_readable", "statements"})
}
