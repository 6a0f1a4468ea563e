# Rego unit tests for CV-LOG-003 (trail_s3_data_events.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.trail_s3_data_events_test

import rego.v1

import data.callvault.lib.testing

rule := "trail_s3_data_events"

test_allows_t if {
	"trail:t" in testing.applicable(rule, pass_context, pass_facts)
	not "trail:t" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_t if {
	"trail:t" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_s3_data_events_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "trail:t"), ["s3_data_events"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_s3_data_events_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "trail:t"), [{"op": "replace", "path": "/s3_data_events", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

# Hole write_only_other_bucket (trail_s3_data_events.write_only_other_bucket.fail.json): the reproduction of a hole this rule let pass.
test_denies_write_only_other_bucket_t_write_only_other if {
	"trail:t-write-only-other" in testing.denied(rule, write_only_other_bucket_context, write_only_other_bucket_facts)
}

test_denies_write_only_other_bucket_t_all_other if {
	"trail:t-all-other" in testing.denied(rule, write_only_other_bucket_context, write_only_other_bucket_facts)
}

test_denies_write_only_other_bucket_t_write_only if {
	"trail:t-write-only" in testing.denied(rule, write_only_other_bucket_context, write_only_other_bucket_facts)
}

write_only_other_bucket_context := {
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

write_only_other_bucket_facts := [
	{
		"id": "t-write-only-other",
		"kind": "trail",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"log_file_validation": true,
		"logging_enabled": true,
		"multi_region": true,
		"purpose": "audit-trail",
		"recording_buckets": [
			"rec"
		],
		"ref": "trail:t-write-only-other",
		"region": "eu-central-1",
		"s3_bucket": "audit",
		"s3_data_events": true,
		"s3_data_selectors": [
			{
				"arn_prefixes": [
					"arn:aws:s3:::other/"
				],
				"reads": false,
				"writes": true
			}
		],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "audit-trail"
		}
	},
	{
		"id": "t-all-other",
		"kind": "trail",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"log_file_validation": true,
		"logging_enabled": true,
		"multi_region": true,
		"purpose": "audit-trail",
		"recording_buckets": [
			"rec"
		],
		"ref": "trail:t-all-other",
		"region": "eu-central-1",
		"s3_bucket": "audit",
		"s3_data_events": true,
		"s3_data_selectors": [
			{
				"arn_prefixes": [
					"arn:aws:s3:::other/"
				],
				"reads": true,
				"writes": true
			}
		],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "audit-trail"
		}
	},
	{
		"id": "t-write-only",
		"kind": "trail",
		"kms_key_id": "arn:aws:kms:eu-central-1:1:key/p",
		"log_file_validation": true,
		"logging_enabled": true,
		"multi_region": true,
		"purpose": "audit-trail",
		"recording_buckets": [
			"rec"
		],
		"ref": "trail:t-write-only",
		"region": "eu-central-1",
		"s3_bucket": "audit",
		"s3_data_events": true,
		"s3_data_selectors": [
			{
				"arn_prefixes": [
					"arn:aws:s3:::rec/"
				],
				"reads": false,
				"writes": true
			}
		],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "audit-trail"
		}
	}
]

test_unknown_s3_data_events_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "trail:t"), [
		{"op": "add", "path": "/s3_data_events", "value": null},
		{"op": "add", "path": "/unknown", "value": ["s3_data_events"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_s3_data_selectors_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "trail:t"), [
		{"op": "add", "path": "/s3_data_selectors", "value": null},
		{"op": "add", "path": "/unknown", "value": ["s3_data_selectors"]},
	])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_unknown_recording_buckets_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "trail:t"), [
		{"op": "add", "path": "/recording_buckets", "value": null},
		{"op": "add", "path": "/unknown", "value": ["recording_buckets"]},
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
		"recording_buckets": [
			"rec"
		],
		"ref": "trail:t",
		"region": "eu-central-1",
		"s3_bucket": "audit",
		"s3_data_events": true,
		"s3_data_selectors": [
			{
				"arn_prefixes": [
					"arn:aws:s3:::rec/"
				],
				"reads": true,
				"writes": true
			}
		],
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
		"log_file_validation": true,
		"logging_enabled": true,
		"multi_region": true,
		"purpose": "audit-trail",
		"recording_buckets": [
			"rec"
		],
		"ref": "trail:t",
		"region": "eu-central-1",
		"s3_bucket": "audit",
		"s3_data_events": false,
		"s3_data_selectors": [],
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "audit-trail"
		}
	}
]
