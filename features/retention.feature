@gdpr_art5_1_e @iso27001_a_8_10
Feature: Recordings and logs are kept no longer than necessary
  Each meeting type declares how long its recordings are kept; storage deletes them when that
  period ends, noncurrent versions included. Logs are kept within the stack's log bound.

  @per_recorded_meeting_type @gdpr_art17_1_a
  Scenario: Recordings of a meeting type are deleted when its retention ends
    Given the audited infrastructure of the stack
    And a meeting type from the stack's configuration
    When it is checked that "Recording expiry should not exceed each meeting type's retention" (CV-RET-001)
    And it is checked that "Noncurrent recording versions should expire within 7 days" (CV-RET-002)
    And it is checked that "Legal-obligation recordings should not expire before their retention" (CV-RET-006)
    Then no finding about its recordings fails
    And the recording bucket deletes its recordings when its retention ends

  @per_meeting_type @gdpr_art17_1_a
  Scenario: Recordings of a meeting type stay erasable unless the law requires keeping them
    Given the audited infrastructure of the stack
    And a meeting type from the stack's configuration
    When it is checked that "Object lock should only hold recordings whose legal basis requires keeping them" (CV-RET-004)
    Then the meeting type complies

  @iso27001_a_8_15
  Scenario: Logs are kept within the log retention bound
    Given the audited infrastructure of the stack
    When it is checked that "Log buckets should keep logs at least the minimum and expire them within the maximum log retention" (CV-RET-005)
    And it is checked that "Log groups should keep events at least the minimum and at most the maximum log retention" (CV-RET-003)
    Then every resource it applies to complies
