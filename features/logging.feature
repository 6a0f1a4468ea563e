@gdpr_art5_2 @iso27001_a_8_15
Feature: Processing is logged so that the controller can demonstrate compliance
  Every data bucket writes access logs, the audit trail records data events on the recordings
  with validated log files, and the network logs its flows.

  Scenario: Data buckets write server access logs
    Given the audited infrastructure of the stack
    When it is checked that "Data buckets should write server access logs" (CV-LOG-001)
    Then every resource it applies to complies

  @iso27001_a_8_16
  Scenario: The audit trail is on, covers recordings and cannot be altered unnoticed
    Given the audited infrastructure of the stack
    When it is checked that "The audit trail should be logging" (CV-LOG-005)
    And it is checked that "The audit trail should record S3 data events" (CV-LOG-003)
    And it is checked that "The audit trail should validate its log files" (CV-LOG-002)
    And it is checked that "The stack should have a multi-region trail recording reads and writes of every recording bucket" (CV-REQ-001)
    Then every resource it applies to complies

  @iso27001_a_8_16 @iso27001_a_8_20
  Scenario: Network flows are logged
    Given the audited infrastructure of the stack
    When it is checked that "VPCs should have flow logs of all traffic" (CV-LOG-004)
    And it is checked that "Every VPC of the stack should capture ALL traffic in flow logs" (CV-REQ-002)
    Then every resource it applies to complies
