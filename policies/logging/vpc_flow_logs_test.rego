# Rego unit tests for CV-LOG-004 (vpc_flow_logs.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.vpc_flow_logs_test

import rego.v1

import data.callvault.lib.testing

rule := "vpc_flow_logs"

test_allows_vpc_1 if {
	"vpc:vpc-1" in testing.applicable(rule, pass_context, pass_facts)
	not "vpc:vpc-1" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_vpc_1 if {
	"vpc:vpc-1" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_flow_logs_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "vpc:vpc-1"), ["flow_logs"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

# Hole reject_only (vpc_flow_logs.reject_only.fail.json): the reproduction of a hole this rule let pass.
test_denies_reject_only_vpc_1 if {
	"vpc:vpc-1" in testing.denied(rule, reject_only_context, reject_only_facts)
}

reject_only_context := {
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

reject_only_facts := [
	{
		"flow_logs": [
			{
				"traffic_type": "REJECT"
			}
		],
		"id": "vpc-1",
		"kind": "vpc",
		"name": "v",
		"purpose": "network",
		"ref": "vpc:vpc-1",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	}
]

test_unknown_flow_logs_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "vpc:vpc-1"), [
		{"op": "add", "path": "/flow_logs", "value": null},
		{"op": "add", "path": "/unknown", "value": ["flow_logs"]},
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
		"flow_logs": [
			{
				"traffic_type": "ALL"
			}
		],
		"id": "vpc-1",
		"kind": "vpc",
		"name": "v",
		"purpose": "network",
		"ref": "vpc:vpc-1",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
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
		"flow_logs": [],
		"id": "vpc-1",
		"kind": "vpc",
		"name": "v",
		"purpose": "network",
		"ref": "vpc:vpc-1",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	}
]
