@gdpr_art32_1_a @iso27001_a_8_24
Feature: Call recordings are encrypted at rest and in transit
  Every bucket uses SSE-KMS with a customer-managed key, refuses plain-HTTP requests, and the TURN
  servers that relay the calls accept TLS 1.2 or later only. Media itself is DTLS-SRTP.

  Scenario: Buckets are encrypted with a customer-managed key
    Given the audited infrastructure of the stack
    When it is checked that "Buckets should be encrypted with a customer-managed KMS key" (CV-EAR-001)
    And it is checked that "Recording buckets should deny uploads without SSE-KMS" (CV-EAR-003)
    And it is checked that "KMS-encrypted buckets should use an S3 bucket key" (CV-EAR-002)
    Then every resource it applies to complies

  Scenario: Disks, logs, the audit trail and stored secrets are encrypted
    Given the audited infrastructure of the stack
    When it is checked that "Instance volumes should be encrypted" (CV-EAR-004)
    And it is checked that "Log groups should be encrypted with a KMS key" (CV-EAR-005)
    And it is checked that "The audit trail should be encrypted with a KMS key" (CV-EAR-006)
    And it is checked that "SSM parameters that hold secrets should be SecureStrings under a customer-managed KMS key" (CV-EAR-007)
    Then every resource it applies to complies

  @iso27001_a_8_20 @iso27001_a_5_14
  Scenario: Data in transit is protected by TLS
    Given the audited infrastructure of the stack
    When it is checked that "Buckets should refuse requests without TLS" (CV-EIT-001)
    And it is checked that "TURN servers should offer TLS 1.2 or later only" (CV-EIT-002)
    Then every resource it applies to complies
