# Rego unit tests for CV-PRC-001 (processor_dpa.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.processor_dpa_test

import rego.v1

import data.callvault.lib.testing

rule := "processor_dpa"

test_allows_aws if {
	"processor:aws" in testing.applicable(rule, pass_context, pass_facts)
	not "processor:aws" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_aws if {
	"processor:aws" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_dpa_reference_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "processor:aws"), ["dpa_reference"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_dpa_reference_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "processor:aws"), [{"op": "replace", "path": "/dpa_reference", "value": null}])
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
		"dpa_reference": "AWS DPA 2024-01",
		"id": "aws",
		"kind": "processor",
		"ref": "processor:aws",
		"region": null,
		"regions": [
			"eu-central-1"
		],
		"role": "processor",
		"services": [
			"s3"
		],
		"source": "fixture"
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
		"dpa_reference": "",
		"id": "aws",
		"kind": "processor",
		"ref": "processor:aws",
		"region": null,
		"regions": [
			"eu-central-1"
		],
		"role": "processor",
		"services": [
			"s3"
		],
		"source": "fixture"
	}
]
