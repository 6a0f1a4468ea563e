# Rego unit tests for CV-IAM-003 (role_trust_not_public.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.role_trust_not_public_test

import rego.v1

import data.callvault.lib.testing

rule := "role_trust_not_public"

test_allows_r if {
	"iam_role:r" in testing.applicable(rule, pass_context, pass_facts)
	not "iam_role:r" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_r if {
	"iam_role:r" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_trust_public_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "iam_role:r"), ["trust_public"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_trust_public_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "iam_role:r"), [{"op": "replace", "path": "/trust_public", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_trust_public_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "iam_role:r"), [
		{"op": "add", "path": "/trust_public", "value": null},
		{"op": "add", "path": "/unknown", "value": ["trust_public"]},
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
		"workload": null
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
		"trust_public": true,
		"workload": null
	}
]
