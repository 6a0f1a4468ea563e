# METADATA
# title: Consent-based meeting types should not make recording a precondition
# custom:
#   id: CV-MIN-004
#   severity: high
#   topic: minimisation
#   gdpr: ["Art. 5(1)(a)", "Art. 7(4)"]
#   iso27001: ["A.5.34", "A.5.31"]
#   mapping: {"Art. 5(1)(a)": "partial", "Art. 7(4)": "partial", "A.5.34": "partial", "A.5.31": "partial"}
#   applies_to: ["meeting_type"]
#   remediation: "Set `recording: optional` for consent-based meeting types, or choose the legal basis that actually applies."
package callvault.rules.consent_recording_optional

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "meeting_type"
	f.legal_basis == "consent"
}

deny contains {"ref": f.ref, "msg": sprintf("Meeting type %s relies on consent but makes recording %v", [f.id, object.get(f, "recording", null)])} if {
	some f in input.facts
	f.kind == "meeting_type"
	f.legal_basis == "consent"
	not object.get(f, "recording", null) in {"optional", "forbidden"}
}
