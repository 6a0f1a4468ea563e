# Rego unit tests for CV-REQ-001 (audit_trail_required.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing, null or unknown property the rule reads
# must make it deny, never allow.
package callvault.rules.audit_trail_required_test

import rego.v1

import data.callvault.lib.testing

rule := "audit_trail_required"

test_allows_dev if {
	"stack:dev" in testing.applicable(rule, pass_context, pass_facts)
	not "stack:dev" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_no_trail if {
	"stack:no-trail" in testing.denied(rule, fail_context, fail_facts)
}

test_denies_uncovered if {
	"stack:uncovered" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_multi_region_trails_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "stack:dev"), ["multi_region_trails"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_multi_region_trails_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "stack:dev"), [{"op": "replace", "path": "/multi_region_trails", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_multi_region_trails_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "stack:dev"), [
		{"op": "replace", "path": "/multi_region_trails", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["multi_region_trails"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_missing_recording_buckets_without_trail_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "stack:dev"), ["recording_buckets_without_trail"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_recording_buckets_without_trail_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "stack:dev"), [{"op": "replace", "path": "/recording_buckets_without_trail", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_recording_buckets_without_trail_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "stack:dev"), [
		{"op": "replace", "path": "/recording_buckets_without_trail", "value": null},
		{"op": "replace", "path": "/unknown", "value": ["recording_buckets_without_trail"]},
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
		"id": "no-trail",
		"kind": "stack",
		"meeting_types": [
			"claims"
		],
		"multi_region_trails": [],
		"processors": [
			"aws"
		],
		"recording_buckets": [
			"rec"
		],
		"recording_buckets_without_trail": [
			"rec"
		],
		"ref": "stack:no-trail",
		"region": null,
		"source": "plan of stack 'dev'",
		"turn_hosts": [
			"i-1"
		],
		"turn_hosts_without_config": [],
		"unknown": [],
		"vpcs": [
			"vpc-1"
		],
		"vpcs_without_all_flow_logs": []
	},
	{
		"hosts": 3,
		"id": "uncovered",
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
		"recording_buckets_without_trail": [
			"rec"
		],
		"ref": "stack:uncovered",
		"region": null,
		"source": "plan of stack 'dev'",
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
