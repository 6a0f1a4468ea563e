# Rego unit tests for CV-REQ-005 (media_node_role_required.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing, null or unknown property the rule reads
# must make it deny, never allow.
package callvault.rules.media_node_role_required_test

import rego.v1

import data.callvault.lib.testing

rule := "media_node_role_required"

test_allows_dev if {
	"stack:dev" in testing.applicable(rule, pass_context, pass_facts)
	not "stack:dev" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_dev if {
	"stack:dev" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_media_node_hosts_without_role_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "stack:dev"), ["media_node_hosts_without_role"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_media_node_hosts_without_role_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "stack:dev"), [{"op": "replace", "path": "/media_node_hosts_without_role", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_media_node_hosts_without_role_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "stack:dev"), [
		{"op": "replace", "path": "/media_node_hosts_without_role", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["media_node_hosts_without_role"]},
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
		"hosts": 3,
		"id": "dev",
		"kind": "stack",
		"meeting_types": [
			"claims"
		],
		"multi_region_trails": [
			"trail"
		],
		"processors": [
			"aws"
		],
		"recording_buckets": [
			"rec"
		],
		"recording_buckets_without_trail": [],
		"ref": "stack:dev",
		"region": null,
		"source": "plan of stack 'dev'",
		"media_node_hosts": [
			"lt-1"
		],
		"media_node_hosts_without_role": [],
		"turn_hosts": [
			"i-1"
		],
		"turn_hosts_without_config": [],
		"unknown": [],
		"vpcs": [
			"vpc-1"
		],
		"vpcs_without_all_flow_logs": []
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
		"hosts": 3,
		"id": "dev",
		"kind": "stack",
		"meeting_types": [
			"claims"
		],
		"multi_region_trails": [
			"trail"
		],
		"processors": [
			"aws"
		],
		"recording_buckets": [
			"rec"
		],
		"recording_buckets_without_trail": [],
		"ref": "stack:dev",
		"region": null,
		"source": "plan of stack 'dev'",
		"media_node_hosts": [
			"lt-1"
		],
		"media_node_hosts_without_role": [
			"lt-1"
		],
		"turn_hosts": [
			"i-1"
		],
		"turn_hosts_without_config": [],
		"unknown": [],
		"vpcs": [
			"vpc-1"
		],
		"vpcs_without_all_flow_logs": []
	}
]
