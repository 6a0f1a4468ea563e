# Rego unit tests for CV-LOG-002 (trail_log_validation.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.trail_log_validation_test

import rego.v1

import data.callvault.lib.testing

rule := "trail_log_validation"

test_allows_t if {
	"trail:t" in testing.applicable(rule, pass_context, pass_facts)
	not "trail:t" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_t if {
	"trail:t" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_log_file_validation_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "trail:t"), ["log_file_validation"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_log_file_validation_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "trail:t"), [{"op": "replace", "path": "/log_file_validation", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_log_file_validation_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "trail:t"), [
		{"op": "add", "path": "/log_file_validation", "value": null},
		{"op": "add", "path": "/unknown", "value": ["log_file_validation"]},
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
		"id": "t",
		"kind": "trail",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"log_file_validation": true,
		"logging_enabled": true,
		"multi_region": true,
		"purpose": "audit-trail",
		"ref": "trail:t",
		"region": "eu-central-1",
		"s3_bucket": "audit",
		"s3_data_events": true,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "audit-trail"
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
		"id": "t",
		"kind": "trail",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"log_file_validation": false,
		"logging_enabled": true,
		"multi_region": true,
		"purpose": "audit-trail",
		"ref": "trail:t",
		"region": "eu-central-1",
		"s3_bucket": "audit",
		"s3_data_events": true,
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "audit-trail"
		}
	}
]
