# Rego unit tests for CV-RES-002 (kms_single_region.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.kms_single_region_test

import rego.v1

import data.callvault.lib.testing

rule := "kms_single_region"

test_allows_k1 if {
	"kms_key:k1" in testing.applicable(rule, pass_context, pass_facts)
	not "kms_key:k1" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_k1 if {
	"kms_key:k1" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_multi_region_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "kms_key:k1"), ["multi_region"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_multi_region_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "kms_key:k1"), [{"op": "replace", "path": "/multi_region", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_multi_region_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "kms_key:k1"), [
		{"op": "add", "path": "/multi_region", "value": null},
		{"op": "add", "path": "/unknown", "value": ["multi_region"]},
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
		"deletion_window_days": 30,
		"id": "k1",
		"key_usage": "ENCRYPT_DECRYPT",
		"kind": "kms_key",
		"multi_region": false,
		"policy_grants_all_actions": false,
		"policy_public": false,
		"policy_readable": true,
		"purpose": "call-recording",
		"ref": "kms_key:k1",
		"region": "eu-central-1",
		"rotation_enabled": true,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		}
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
		"deletion_window_days": 30,
		"id": "k1",
		"key_usage": "ENCRYPT_DECRYPT",
		"kind": "kms_key",
		"multi_region": true,
		"policy_grants_all_actions": false,
		"policy_public": false,
		"policy_readable": true,
		"purpose": "call-recording",
		"ref": "kms_key:k1",
		"region": "eu-central-1",
		"rotation_enabled": true,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		}
	}
]
