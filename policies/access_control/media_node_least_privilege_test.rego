# Rego unit tests for CV-IAM-001 (media_node_least_privilege.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.media_node_least_privilege_test

import rego.v1

import data.callvault.lib.testing

rule := "media_node_least_privilege"

test_allows_r if {
	"iam_role:r" in testing.applicable(rule, pass_context, pass_facts)
	not "iam_role:r" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_r if {
	"iam_role:r" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_r2 if {
	"iam_role:r2" in testing.denied(rule, fail_context, fail_facts)
}

# audit/workloads.py decides the workload by behaviour (its hosts); a hint claiming another
# workload changes nothing, and a hint alone selects nothing.
test_a_role_claiming_another_workload_is_still_judged if {
	f := json.patch(testing.fact(fail_facts, "iam_role:r"), [{"op": "add", "path": "/workload_hint", "value": "dpo"}])
	f.ref in testing.denied(rule, fail_context, testing.with_fact(fail_facts, f))
}

test_a_hint_alone_does_not_select if {
	f := json.patch(testing.fact(fail_facts, "iam_role:r"), [
		{"op": "replace", "path": "/workload", "value": null},
		{"op": "add", "path": "/workload_hint", "value": "media-node"},
	])
	not f.ref in testing.applicable(rule, fail_context, testing.with_fact(fail_facts, f))
}

# A role whose access could not be read might be the media node's: the rule errors.
test_unknown_workload_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "iam_role:r"), [
		{"op": "replace", "path": "/workload", "value": null},
		{"op": "add", "path": "/unknown", "value": ["workload"]},
	])
	f.ref in testing.applicable(rule, pass_context, testing.with_fact(pass_facts, f))
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_policies_readable_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "iam_role:r"), ["policies_readable"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_policies_readable_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "iam_role:r"), [{"op": "replace", "path": "/policies_readable", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_managed_policy_arns_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "iam_role:r"), [
		{"op": "add", "path": "/managed_policy_arns", "value": null},
		{"op": "add", "path": "/unknown", "value": ["managed_policy_arns"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_policies_readable_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "iam_role:r"), [
		{"op": "add", "path": "/policies_readable", "value": null},
		{"op": "add", "path": "/unknown", "value": ["policies_readable"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_statements_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "iam_role:r"), [
		{"op": "add", "path": "/statements", "value": null},
		{"op": "add", "path": "/unknown", "value": ["statements"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

pass_context := {
	"allowed_regions": [
		"eu-central-1",
		"eu-west-1"
	],
	"max_log_retention_days": 365,
	"meeting_types": {
		"claims": {
			"legal_basis": "legal-obligation",
			"mode": "audio+video",
			"prefix": "recordings/claims/",
			"recording": "required",
			"retention_days": 1095
		},
		"medical": {
			"legal_basis": "contract",
			"mode": "audio",
			"prefix": "recordings/medical/",
			"recording": "forbidden",
			"retention_days": 1
		},
		"support": {
			"legal_basis": "consent",
			"mode": "audio",
			"prefix": "recordings/support/",
			"recording": "optional",
			"retention_days": 30
		}
	},
	"stack": "fixture"
}

pass_facts := [
	{
		"id": "r",
		"kind": "iam_role",
		"managed_policy_arns": [],
		"policies_readable": true,
		"purpose": "call-recording",
		"ref": "iam_role:r",
		"region": null,
		"source": "fixture",
		"statements": [
			{
				"actions": [
					"s3:PutObject",
					"s3:AbortMultipartUpload"
				],
				"condition_keys": [],
				"conditions": {},
				"effect": "Allow",
				"not_actions": [],
				"principals": [],
				"resources": [
					"arn:aws:s3:::rec/recordings/*"
				],
				"sid": ""
			},
			{
				"actions": [
					"kms:GenerateDataKey",
					"kms:Decrypt"
				],
				"condition_keys": [
					"kms:encryptioncontext:purpose",
					"kms:encryptioncontextkeys"
				],
				"conditions": {},
				"effect": "Allow",
				"not_actions": [],
				"principals": [],
				"resources": [
					"arn:aws:kms:eu-central-1:1:key/k"
				],
				"sid": ""
			}
		],
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		},
		"trust_public": false,
		"workload": "media-node"
	}
]

fail_context := {
	"allowed_regions": [
		"eu-central-1",
		"eu-west-1"
	],
	"max_log_retention_days": 365,
	"meeting_types": {
		"claims": {
			"legal_basis": "legal-obligation",
			"mode": "audio+video",
			"prefix": "recordings/claims/",
			"recording": "required",
			"retention_days": 1095
		},
		"medical": {
			"legal_basis": "contract",
			"mode": "audio",
			"prefix": "recordings/medical/",
			"recording": "forbidden",
			"retention_days": 1
		},
		"support": {
			"legal_basis": "consent",
			"mode": "audio",
			"prefix": "recordings/support/",
			"recording": "optional",
			"retention_days": 30
		}
	},
	"stack": "fixture"
}

fail_facts := [
	{
		"id": "r",
		"kind": "iam_role",
		"managed_policy_arns": [],
		"policies_readable": true,
		"purpose": "call-recording",
		"ref": "iam_role:r",
		"region": null,
		"source": "fixture",
		"statements": [
			{
				"actions": [
					"s3:*"
				],
				"condition_keys": [],
				"conditions": {},
				"effect": "Allow",
				"not_actions": [],
				"principals": [],
				"resources": [
					"*"
				],
				"sid": ""
			}
		],
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		},
		"trust_public": false,
		"workload": "media-node"
	},
	{
		"id": "r2",
		"kind": "iam_role",
		"managed_policy_arns": [],
		"policies_readable": true,
		"purpose": "call-recording",
		"ref": "iam_role:r2",
		"region": null,
		"source": "fixture",
		"statements": [
			{
				"actions": [
					"s3:PutObject",
					"s3:AbortMultipartUpload"
				],
				"condition_keys": [],
				"conditions": {},
				"effect": "Allow",
				"not_actions": [],
				"principals": [],
				"resources": [
					"arn:aws:s3:::rec/recordings/*"
				],
				"sid": ""
			},
			{
				"actions": [
					"kms:Decrypt"
				],
				"condition_keys": [],
				"conditions": {},
				"effect": "Allow",
				"not_actions": [],
				"principals": [],
				"resources": [
					"*"
				],
				"sid": ""
			}
		],
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		},
		"trust_public": false,
		"workload": "media-node"
	}
]
