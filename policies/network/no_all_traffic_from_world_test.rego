# Rego unit tests for CV-NET-003 (no_all_traffic_from_world.rego) in OPA's own idiom: `opa test
# --ignore '*.json' policies/` runs them as they are (the JSON fixtures are not OPA data); pytest
# runs each through the embedded OPA (tests/audit/test_rego_unit.py).
# The inputs are the rule's fixtures. Every missing or unknown (null) property the rule reads
# must make it deny, never allow.
package callvault.rules.no_all_traffic_from_world_test

import rego.v1

import data.callvault.lib.testing

rule := "no_all_traffic_from_world"

test_allows_sg_1 if {
	"security_group:sg-1" in testing.applicable(rule, pass_context, pass_facts)
	not "security_group:sg-1" in testing.denied(rule, pass_context, pass_facts)
}

test_denies_sg_1 if {
	"security_group:sg-1" in testing.denied(rule, fail_context, fail_facts)
}

test_missing_ingress_is_not_allowed if {
	f := json.remove(testing.fact(pass_facts, "security_group:sg-1"), ["ingress"])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

test_null_ingress_is_not_allowed if {
	f := json.patch(testing.fact(pass_facts, "security_group:sg-1"), [{"op": "replace", "path": "/ingress", "value": null}])
	f.ref in testing.denied(rule, pass_context, testing.with_fact(pass_facts, f))
}

# Hole tcp_udp_all_ports (no_all_traffic_from_world.tcp_udp_all_ports.fail.json): the reproduction of a hole this rule let pass.
test_denies_tcp_udp_all_ports_sg_1_tcp if {
	"security_group:sg-1-tcp" in testing.denied(rule, tcp_udp_all_ports_context, tcp_udp_all_ports_facts)
}

test_denies_tcp_udp_all_ports_sg_1_udp if {
	"security_group:sg-1-udp" in testing.denied(rule, tcp_udp_all_ports_context, tcp_udp_all_ports_facts)
}

test_denies_tcp_udp_all_ports_sg_1_tcp_udp if {
	"security_group:sg-1-tcp-udp" in testing.denied(rule, tcp_udp_all_ports_context, tcp_udp_all_ports_facts)
}

tcp_udp_all_ports_context := {
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

tcp_udp_all_ports_facts := [
	{
		"id": "sg-1-tcp",
		"ingress": [
			{
				"cidrs": [
					"0.0.0.0/0"
				],
				"description": "",
				"from_port": 0,
				"open_to_world": true,
				"protocol": "tcp",
				"to_port": 65535
			}
		],
		"kind": "security_group",
		"name": "sg",
		"purpose": "network",
		"ref": "security_group:sg-1-tcp",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	},
	{
		"id": "sg-1-udp",
		"ingress": [
			{
				"cidrs": [
					"0.0.0.0/0"
				],
				"description": "",
				"from_port": 0,
				"open_to_world": true,
				"protocol": "udp",
				"to_port": 65535
			}
		],
		"kind": "security_group",
		"name": "sg",
		"purpose": "network",
		"ref": "security_group:sg-1-udp",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	},
	{
		"id": "sg-1-tcp-udp",
		"ingress": [
			{
				"cidrs": [
					"::/0"
				],
				"description": "",
				"from_port": 0,
				"open_to_world": true,
				"protocol": "tcp",
				"to_port": 65535
			},
			{
				"cidrs": [
					"0.0.0.0/0"
				],
				"description": "",
				"from_port": 0,
				"open_to_world": true,
				"protocol": "udp",
				"to_port": 65535
			}
		],
		"kind": "security_group",
		"name": "sg",
		"purpose": "network",
		"ref": "security_group:sg-1-tcp-udp",
		"region": "eu-central-1",
		"source": "fixture",
		"tags": {
			"controller": "acme",
			"purpose": "network"
		}
	}
]

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
					"0.0.0.0/0"
				],
				"description": "",
				"from_port": 3478,
				"open_to_world": true,
				"protocol": "udp",
				"to_port": 3478
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
				"from_port": 0,
				"open_to_world": true,
				"protocol": "all",
				"to_port": 65535
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
