# Rego unit tests for CV-SCP-003 (scope_properties_present.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing, null or unknown property the rule reads
# must make it deny, never allow.
package callvault.rules.scope_properties_present_test

import rego.v1

import data.callvault.lib.testing

rule := "scope_properties_present"

test_allows_rec if {
	"bucket:rec" in testing.applicable(rule, pass_context, pass_facts)
	not "bucket:rec" in testing.denied(rule, pass_context, pass_facts)
}

test_allows_r if {
	"iam_role:r" in testing.applicable(rule, pass_context, pass_facts)
	not "iam_role:r" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_bare if {
	"bucket:bare" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_r if {
	"iam_role:r" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_holds_recordings_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "bucket:rec"), ["holds_recordings"])
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
		"holds_recordings": true,
		"id": "rec",
		"kind": "bucket",
		"purpose": "call-recording",
		"ref": "bucket:rec",
		"region": "eu-central-1",
		"source": "urn:b"
	},
	{
		"id": "r",
		"kind": "iam_role",
		"ref": "iam_role:r",
		"region": null,
		"source": "urn:r",
		"workload": null
	},
	{
		"id": "support",
		"kind": "meeting_type",
		"legal_basis": "consent",
		"mode": "audio",
		"recording": "optional",
		"ref": "meeting_type:support",
		"region": null,
		"source": "Pulumi.dev.yaml#/x"
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
		"id": "bare",
		"kind": "bucket",
		"purpose": null,
		"ref": "bucket:bare",
		"region": "eu-central-1",
		"source": "urn:b"
	},
	{
		"id": "r",
		"kind": "iam_role",
		"ref": "iam_role:r",
		"region": null,
		"source": "urn:r"
	}
]
