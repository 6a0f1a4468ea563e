# METADATA
# title: Audio-only meeting types should never store video
# custom:
#   id: CV-MIN-001
#   severity: high
#   topic: minimisation
#   gdpr: ["Art. 5(1)(c)", "Art. 25(2)"]
#   iso27001: ["A.8.11", "A.8.12"]
#   mapping: {"Art. 5(1)(c)": "partial", "Art. 25(2)": "partial", "A.8.11": "partial", "A.8.12": "partial"}
#   applies_to: ["meeting_type"]
#   remediation: "Keep `mode: audio` and let the recorder drop video tracks (media_node.recording_rules)."
package callvault.rules.audio_only_no_video

import rego.v1

applicable contains f.ref if {
	some f in input.facts
	f.kind == "meeting_type"
	f.mode == "audio"
}

deny contains {"ref": f.ref, "msg": sprintf("Meeting type %s is audio-only but its recordings store %v", [f.id, object.get(f, "stored_media", null)])} if {
	some f in input.facts
	f.kind == "meeting_type"
	f.mode == "audio"
	not audio_only(f)
}

audio_only(f) if {
	is_array(f.stored_media)
	every kind in f.stored_media { kind == "audio" }
}
