# Rego unit tests for CV-NET-001 (no_admin_ports_from_world.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.no_admin_ports_from_world_test

import rego.v1

import data.callvault.lib.testing

rule := "no_admin_ports_from_world"

test_allows_sg_1 if {
	"security_group:sg-1" in testing.applicable(rule, pass_context, pass_facts)
	not "security_group:sg-1" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_sg_1 if {
	"security_group:sg-1" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_sg_2 if {
	"security_group:sg-2" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_ingress_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "security_group:sg-1"), ["ingress"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_ingress_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "security_group:sg-1"), [{"op": "replace", "path": "/ingress", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_ingress_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "security_group:sg-1"), [
		{"op": "add", "path": "/ingress", "value": null},
		{"op": "add", "path": "/unknown", "value": ["ingress"]},
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
		"id": "sg-1",
		"ingress": [
			{
				"cidrs": [
					"10.0.0.0/16"
				],
				"description": "",
				"from_port": 443,
				"open_to_world": false,
				"protocol": "tcp",
				"to_port": 443
			}
		],
		"kind": "security_group",
		"name": "sg",
		"purpose": "network",
		"ref": "security_group:sg-1",
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
		"id": "sg-1",
		"ingress": [
			{
				"cidrs": [
					"0.0.0.0/0"
				],
				"description": "",
				"from_port": 22,
				"open_to_world": true,
				"protocol": "tcp",
				"to_port": 22
			}
		],
		"kind": "security_group",
		"name": "sg",
		"purpose": "network",
		"ref": "security_group:sg-1",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	},
	{
		"id": "sg-2",
		"ingress": [
			{
				"cidrs": [
					"0.0.0.0/0"
				],
				"description": "",
				"from_port": 0,
				"open_to_world": true,
				"protocol": "all",
				"to_port": 65535
			}
		],
		"kind": "security_group",
		"name": "sg",
		"purpose": "network",
		"ref": "security_group:sg-2",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	}
]
