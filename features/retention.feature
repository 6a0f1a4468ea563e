@gdpr_art5_1_e @iso27001_a_8_10
Feature: Recordings and logs are kept no longer than necessary
  Each meeting type declares how long its recordings are kept; storage deletes them when that
  period ends, noncurrent versions included. Logs are kept within the stack's log bound.

  @per_recorded_meeting_type @gdpr_art17_1_a
  Scenario: Recordings of a meeting type are deleted when its retention ends
    Given the audited infrastructure of the stack
    And a meeting type from the stack's configuration
    When it is checked that "Recording expiry should not exceed each meeting type's retention"
    And it is checked that "Noncurrent recording versions should expire within the retention"
    Then no finding about its recordings fails
    And the recording bucket deletes its recordings when its retention ends

  @per_meeting_type @gdpr_art17_1_a
  Scenario: Recordings of a meeting type stay erasable unless the law requires keeping them
    Given the audited infrastructure of the stack
    And a meeting type from the stack's configuration
    When it is checked that "Object lock should only hold recordings whose legal basis requires keeping them"
    Then the meeting type complies

  @iso27001_a_8_15
  Scenario: Logs are kept within the log retention bound
    Given the audited infrastructure of the stack
    When it is checked that "Log buckets should expire their logs within the log retention"
    And it is checked that "Log groups should have a bounded retention"
    Then every resource it applies to complies
