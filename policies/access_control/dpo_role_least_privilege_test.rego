# Rego unit tests for CV-IAM-005 (dpo_role_least_privilege.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# Every missing or unknown (null) property the rule reads must make it deny, never allow.
package callvault.rules.dpo_role_least_privilege_test

import rego.v1

import data.callvault.lib.testing

rule := "dpo_role_least_privilege"

context := {"allowed_regions": ["eu-central-1"], "max_log_retention_days": 365, "meeting_types": {}, "stack": "test"}

good_role := {
	"kind": "iam_role", "id": "dpo", "ref": "iam_role:dpo", "region": null, "source": "test",
	"workload": "dpo", "purpose": "call-recording", "tags": {},
	"managed_policy_arns": [], "policies_readable": true, "trust_public": false,
	"unknown": [], "aws_defaults": [],
	"statements": [
		{"sid": "Objects", "effect": "Allow", "actions": ["s3:GetObject", "s3:DeleteObjectVersion"], "not_actions": [], "resources": ["arn:aws:s3:::rec/recordings/*"], "principals": [], "condition_keys": [], "conditions": {}},
		{"sid": "List", "effect": "Allow", "actions": ["s3:ListBucketVersions"], "not_actions": [], "resources": ["arn:aws:s3:::rec"], "principals": [], "condition_keys": ["s3:prefix"], "conditions": {"StringLike": {"s3:prefix": ["recordings/*"]}}},
		{"sid": "Key", "effect": "Allow", "actions": ["kms:Decrypt"], "not_actions": [], "resources": ["arn:aws:kms:eu-central-1:1:key/k"], "principals": [], "condition_keys": ["kms:encryptioncontext:purpose", "kms:encryptioncontextkeys"], "conditions": {}},
	],
}

with_statement(s) := json.patch(good_role, [{"op": "add", "path": "/statements/-", "value": s}])

test_allows_a_least_privilege_dpo_role if {
	"iam_role:dpo" in testing.applicable(rule, context, [good_role])
	not "iam_role:dpo" in testing.denied(rule, context, [good_role])
}

test_other_roles_are_not_judged if {
	other := json.patch(good_role, [{"op": "replace", "path": "/workload", "value": "media-node"}])
	not "iam_role:dpo" in testing.applicable(rule, context, [other])
}

# audit/workloads.py decides the workload by behaviour; the name and tag are only a hint.
test_a_reader_named_otherwise_is_judged if {
	f := json.patch(good_role, [
		{"op": "replace", "path": "/id", "value": "analytics"},
		{"op": "add", "path": "/workload_hint", "value": null},
		{"op": "add", "path": "/statements/-", "value": {"effect": "Allow", "actions": ["s3:GetObject"], "not_actions": [], "resources": ["arn:aws:s3:::rec/*"], "condition_keys": [], "conditions": {}}},
	])
	"iam_role:dpo" in testing.denied(rule, context, [f])
}

test_a_hint_alone_does_not_select if {
	other := json.patch(good_role, [
		{"op": "replace", "path": "/workload", "value": null},
		{"op": "add", "path": "/workload_hint", "value": "dpo"},
	])
	not "iam_role:dpo" in testing.applicable(rule, context, [other])
}

# A role whose access could not be read might be a reader: the rule errors, never passes.
test_unknown_workload_is_not_allowed if {
	f := json.patch(good_role, [
		{"op": "replace", "path": "/workload", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["workload"]},
	])
	"iam_role:dpo" in testing.applicable(rule, context, [f])
	"iam_role:dpo" in testing.denied(rule, context, [f])
}

test_denies_a_wildcard_action if {
	f := with_statement({"effect": "Allow", "actions": ["s3:*"], "not_actions": [], "resources": ["arn:aws:s3:::rec/recordings/*"], "condition_keys": [], "conditions": {}})
	"iam_role:dpo" in testing.denied(rule, context, [f])
}

test_denies_decrypt_without_the_recording_context if {
	f := with_statement({"effect": "Allow", "actions": ["kms:Decrypt"], "not_actions": [], "resources": ["arn:aws:kms:eu-central-1:1:key/k"], "condition_keys": [], "conditions": {}})
	"iam_role:dpo" in testing.denied(rule, context, [f])
}

test_denies_reads_beyond_recordings if {
	f := with_statement({"effect": "Allow", "actions": ["s3:GetObject"], "not_actions": [], "resources": ["arn:aws:s3:::rec/*"], "condition_keys": [], "conditions": {}})
	"iam_role:dpo" in testing.denied(rule, context, [f])
}

test_denies_managed_policies if {
	f := json.patch(good_role, [{"op": "replace", "path": "/managed_policy_arns", "value": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}])
	"iam_role:dpo" in testing.denied(rule, context, [f])
}

test_missing_statements_is_not_allowed if {
	f := json.remove(good_role, ["statements"])
	"iam_role:dpo" in testing.denied(rule, context, [f])
}

test_missing_policies_readable_is_not_allowed if {
	f := json.remove(good_role, ["policies_readable"])
	"iam_role:dpo" in testing.denied(rule, context, [f])
}

test_unknown_statements_is_not_allowed if {
	f := json.patch(good_role, [
		{"op": "replace", "path": "/statements", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["statements"]},
	])
	"iam_role:dpo" in testing.denied(rule, context, [f])
}

test_unknown_managed_policies_is_not_allowed if {
	f := json.patch(good_role, [
		{"op": "replace", "path": "/managed_policy_arns", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["managed_policy_arns"]},
	])
	"iam_role:dpo" in testing.denied(rule, context, [f])
}
