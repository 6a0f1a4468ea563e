# METADATA
# title: The DPO role should only read, redact and delete recordings, and decrypt with the recording encryption context
# custom:
#   id: CV-IAM-005
#   severity: high
#   topic: access-control
#   gdpr: ["Art. 32(1)(b)", "Art. 25(2)"]
#   iso27001: ["A.5.15", "A.8.2", "A.8.3"]
#   mapping: {"Art. 32(1)(b)": "partial", "Art. 25(2)": "partial", "A.5.15": "partial", "A.8.2": "partial", "A.8.3": "partial"}
#   applies_to: ["iam_role"]
#   remediation: "Limit the DPO policy to object reads, writes, deletes and legal holds on `<bucket>/recordings/*`, listing with an `s3:prefix` of `recordings/*`, and kms:Decrypt/GenerateDataKey conditioned on the recording encryption context; no wildcards."
package callvault.rules.dpo_role_least_privilege

import rego.v1

import data.callvault.lib

applicable contains f.ref if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "dpo"
}

# audit/workloads.py decides the workload by behaviour (hosts, recording access); a role whose
# access could not be read might be this one, so the rule errors on it instead of passing.
applicable contains f.ref if {
	some f in input.facts
	f.kind == "iam_role"
	"workload" in object.get(f, "unknown", [])
}

# What answering a request needs on objects: read (every version), write back a redacted
# recording and the rights records, delete every version, legal holds.
object_actions := {"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:GetObjectLegalHold", "s3:PutObjectLegalHold"}

list_actions := {"s3:ListBucket", "s3:ListBucketVersions"}

kms_use := {"kms:Decrypt", "kms:GenerateDataKey"}

deny contains {"ref": f.ref, "msg": msg} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "dpo"
	some s in f.statements
	s.effect == "Allow"
	not allowed_statement(s)
	msg := sprintf("DPO role %s allows %v on %v beyond reading, redacting and deleting recordings with context-bound decrypt (judged by: %v; its name or tag claims: %v)", [f.id, s.actions, s.resources, object.get(f, "workload_evidence", []), object.get(f, "workload_hint", null)])
}

deny contains {"ref": f.ref, "msg": sprintf("DPO role %s has managed policies attached: %v", [f.id, f.managed_policy_arns])} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "dpo"
	arns := object.get(f, "managed_policy_arns", [])
	is_array(arns)
	count(arns) > 0
}

deny contains {"ref": f.ref, "msg": sprintf("DPO role %s: its statements are not readable", [f.id])} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "dpo"
	not is_array(object.get(f, "statements", null))
	count(lib.unknown_among(f, {"statements"})) == 0
}

# Fail closed: a decision that rests on a value unknown before deploy is an error, never a pass.
deny contains lib.undecided(f, p) if {
	some f in input.facts
	f.ref in applicable
	some p in lib.unknown_among(f, {"managed_policy_arns", "policies_readable", "statements", "workload"})
}

deny contains {"ref": f.ref, "msg": sprintf("DPO role %s has an unreadable policy", [f.id])} if {
	some f in input.facts
	f.kind == "iam_role"
	f.workload == "dpo"
	not f.policies_readable == true
}

# A wildcard anywhere (action or resource) is never least privilege.
no_wildcard(s) if {
	every a in s.actions { indexof(a, "*") == -1 }
	every r in s.resources { r != "*" }
	count(s.not_actions) == 0
}

allowed_statement(s) if {
	no_wildcard(s)
	count(s.actions) > 0
	every a in s.actions { a in object_actions }
	count(s.resources) > 0
	every r in s.resources { endswith(r, "/recordings/*") }
}

allowed_statement(s) if {
	no_wildcard(s)
	count(s.actions) > 0
	every a in s.actions { a in list_actions }
	# Listing only under recordings/: the one prefix the role answers for.
	"s3:prefix" in s.condition_keys
	prefixes := s.conditions.StringLike["s3:prefix"]
	count(prefixes) > 0
	every p in prefixes { startswith(p, "recordings/") }
}

allowed_statement(s) if {
	no_wildcard(s)
	count(s.actions) > 0
	every a in s.actions { a in kms_use }
	"kms:encryptioncontext:purpose" in s.condition_keys
	"kms:encryptioncontextkeys" in s.condition_keys
}
