@gdpr_art5_1_c @iso27001_a_8_11
Feature: Only the data a meeting type needs is recorded, and only on its legal basis
  Audio-only meeting types never store video, consent-based meeting types record only after
  every participant consented and stop at a withdrawal, forbidden ones never record, and the TURN
  relays neither log client IP addresses nor learn names.

  @per_audio_meeting_type @gdpr_art25_2
  Scenario: An audio-only meeting type is configured to store no video
    Given the audited infrastructure of the stack
    And a meeting type from the stack's configuration
    When it is checked that "Audio-only meeting types should never store video" (CV-MIN-001)
    Then the meeting type complies

  @per_consent_meeting_type @gdpr_art7_4
  Scenario: A consent-based meeting type does not make recording a condition of the call
    Given the audited infrastructure of the stack
    And a meeting type from the stack's configuration
    When it is checked that "Consent-based meeting types should not make recording a precondition" (CV-MIN-004)
    Then the meeting type complies

  @per_forbidden_meeting_type @gdpr_art5_1_b
  Scenario: A meeting type that must not be recorded is configured never to record
    Given the audited infrastructure of the stack
    And a meeting type from the stack's configuration
    Then the meeting type never records

  @iso27001_a_8_12
  Scenario: TURN relays use pseudonymous credentials and keep no client IP addresses
    Given the audited infrastructure of the stack
    When it is checked that "TURN servers should use ephemeral pseudonymous credentials only" (CV-MIN-003)
    And it is checked that "TURN servers should not log client IP addresses" (CV-MIN-002)
    And it is checked that "Every TURN host should carry a coturn configuration the auditor can read" (CV-REQ-003)
    Then every resource it applies to complies

  @runtime @per_required_meeting_type @gdpr_art5_1_a
  Scenario: A meeting type whose recording is required records from the first track
    Given a meeting type from the stack's configuration
    And a running media node with coturn and AWS
    When an agent and a customer hold a call of that meeting type without starting a recording
    Then the call was recorded from its first track without anyone starting it

  @runtime @per_consent_meeting_type @gdpr_art7_4 @gdpr_art5_1_a
  Scenario: A consent-based meeting type records only between consent and withdrawal
    Given a meeting type from the stack's configuration
    And a running media node with coturn and AWS
    When an agent and a customer hold a call of that meeting type
    And the agent tries to start recording before the customer consents
    And the customer consents and the recording starts
    And the customer withdraws consent
    Then the recording was refused before consent
    And the recording stopped at the withdrawal
    And the stored recording holds only media from between consent and withdrawal
    And the customer's consent and withdrawal are stored sealed with the notice version shown

  @runtime @per_consent_meeting_type @gdpr_art5_2 @iso27001_a_8_5
  Scenario: Only the customer can give the customer's consent, and the log can tell
    Given a meeting type from the stack's configuration
    And a running media node with coturn and AWS
    When an agent and a customer hold a call of that meeting type
    And the agent tries to give the customer's consent with what the node gave the agent
    And the customer consents
    Then the agent's attempt was refused and logged as the agent's
    And the consent is logged as the customer's, with the join code the customer redeemed

  @runtime @per_forbidden_meeting_type @gdpr_art5_1_b
  Scenario: A meeting type that must not be recorded never records
    Given a meeting type from the stack's configuration
    And a running media node with coturn and AWS
    When an agent and a customer hold a call of that meeting type
    And the agent tries to start recording
    Then the recording is refused as forbidden
    And nothing of the call is stored

  @runtime @per_audio_meeting_type @gdpr_art25_2
  Scenario: An audio-only meeting type stores no video
    Given a meeting type from the stack's configuration
    And a running media node with coturn and AWS
    When an agent and a customer hold a recorded call of that meeting type with cameras on
    Then the decrypted recording holds audio streams and no video stream
