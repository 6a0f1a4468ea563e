# Rego unit tests for CV-RSL-002 (instance_no_public_ip.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.instance_no_public_ip_test

import rego.v1

import data.callvault.lib.testing

rule := "instance_no_public_ip"

test_allows_i_1 if {
	"instance:i-1" in testing.applicable(rule, pass_context, pass_facts)
	not "instance:i-1" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_i_1 if {
	"instance:i-1" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_public_ip_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "instance:i-1"), ["public_ip"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_public_ip_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "instance:i-1"), [{"op": "replace", "path": "/public_ip", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_public_ip_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "instance:i-1"), [
		{"op": "add", "path": "/public_ip", "value": null},
		{"op": "add", "path": "/unknown", "value": ["public_ip"]},
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
		"ebs_encrypted": true,
		"id": "i-1",
		"imdsv2_required": true,
		"kind": "instance",
		"name": "n",
		"public_ip": false,
		"purpose": "call-recording",
		"ref": "instance:i-1",
		"region": "eu-central-1",
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
		"ebs_encrypted": true,
		"id": "i-1",
		"imdsv2_required": true,
		"kind": "instance",
		"name": "n",
		"public_ip": true,
		"purpose": "call-recording",
		"ref": "instance:i-1",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"meeting-type": "all",
			"purpose": "call-recording"
		}
	}
]
