# Rego unit tests for CV-IAM-002 (no_admin_policies.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.no_admin_policies_test

import rego.v1

import data.callvault.lib.testing

rule := "no_admin_policies"

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

test_missing_managed_policy_arns_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "iam_role:r"), ["managed_policy_arns"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_managed_policy_arns_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "iam_role:r"), [{"op": "replace", "path": "/managed_policy_arns", "value": null}])
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

test_missing_statements_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "iam_role:r"), ["statements"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_statements_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "iam_role:r"), [{"op": "replace", "path": "/statements", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

# Hole broad_grants (no_admin_policies.broad_grants.fail.json): the reproduction of a hole this rule let pass.
test_denies_broad_grants_r_not_action if {
	"iam_role:r-not-action" in testing.denied(rule, broad_grants_context, broad_grants_facts)
}

test_denies_broad_grants_r_s3_get_star if {
	"iam_role:r-s3-get-star" in testing.denied(rule, broad_grants_context, broad_grants_facts)
}

test_denies_broad_grants_r_passrole_any if {
	"iam_role:r-passrole-any" in testing.denied(rule, broad_grants_context, broad_grants_facts)
}

test_denies_broad_grants_r_power_user if {
	"iam_role:r-power-user" in testing.denied(rule, broad_grants_context, broad_grants_facts)
}

broad_grants_context := {
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

broad_grants_facts := [
	{
		"id": "r-not-action",
		"kind": "iam_role",
		"managed_policy_arns": [],
		"policies_readable": true,
		"purpose": "call-recording",
		"ref": "iam_role:r-not-action",
		"region": null,
		"source": "fixture",
		"statements": [
			{
				"actions": [],
				"condition_keys": [],
				"conditions": {},
				"effect": "Allow",
				"not_actions": [
					"iam:*"
				],
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
		"workload": null
	},
	{
		"id": "r-s3-get-star",
		"kind": "iam_role",
		"managed_policy_arns": [],
		"policies_readable": true,
		"purpose": "call-recording",
		"ref": "iam_role:r-s3-get-star",
		"region": null,
		"source": "fixture",
		"statements": [
			{
				"actions": [
					"s3:Get*"
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
		"workload": null
	},
	{
		"id": "r-passrole-any",
		"kind": "iam_role",
		"managed_policy_arns": [],
		"policies_readable": true,
		"purpose": "call-recording",
		"ref": "iam_role:r-passrole-any",
		"region": null,
		"source": "fixture",
		"statements": [
			{
				"actions": [
					"iam:PassRole"
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
		"workload": null
	},
	{
		"id": "r-power-user",
		"kind": "iam_role",
		"managed_policy_arns": [
			"arn:aws:iam::aws:policy/PowerUserAccess"
		],
		"policies_readable": true,
		"purpose": "call-recording",
		"ref": "iam_role:r-power-user",
		"region": null,
		"source": "fixture",
		"statements": [],
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		},
		"trust_public": false,
		"workload": null
	}
]

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
					"*"
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
		"workload": null
	},
	{
		"id": "r2",
		"kind": "iam_role",
		"managed_policy_arns": [
			"arn:aws:iam::aws:policy/AmazonS3FullAccess"
		],
		"policies_readable": true,
		"purpose": "call-recording",
		"ref": "iam_role:r2",
		"region": null,
		"source": "fixture",
		"statements": [],
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		},
		"trust_public": false,
		"workload": null
	}
]

# Review findings: `?` wildcards and everything-but (NotResource) grants.
everything_but := [
	{"kind": "iam_role", "id": "q", "ref": "iam_role:q", "managed_policy_arns": [], "policies_readable": true, "statements": [{"effect": "Allow", "actions": ["iam:PassRol?"], "not_actions": [], "resources": ["*"], "principals": [], "condition_keys": [], "conditions": {}}]},
	{"kind": "iam_role", "id": "nr", "ref": "iam_role:nr", "managed_policy_arns": [], "policies_readable": true, "statements": [{"effect": "Allow", "actions": ["s3:GetObject"], "not_actions": [], "resources": [], "not_resources": ["arn:aws:s3:::none/*"], "principals": [], "condition_keys": [], "conditions": {}}]},
]

test_denies_a_question_mark_wildcard if {
	"iam_role:q" in testing.denied(rule, {}, everything_but)
}

test_denies_an_everything_but_grant if {
	"iam_role:nr" in testing.denied(rule, {}, everything_but)
}
