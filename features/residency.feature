@gdpr_art44 @iso27001_a_5_23
Feature: Personal data stays in the EU
  Every resource that stores or processes call data runs in one of the stack's allowed EU
  regions, and nothing copies it out of them (GDPR Chapter V). Global services without a region
  are out of scope of this feature.

  @gdpr_art44 @iso27001_a_5_14
  Scenario: Every resource runs in an allowed EU region
    Given the audited infrastructure of the stack
    When it is checked that "Resources should be in an allowed EU region" (CV-RES-001)
    Then every resource it applies to complies

  @gdpr_art44 @iso27001_a_5_14
  Scenario: No recording is replicated outside the allowed EU regions
    Given the audited infrastructure of the stack
    When it is checked that "Bucket replication should not leave the allowed EU regions" (CV-RES-003)
    Then every resource it applies to complies

  @gdpr_art44 @iso27001_a_8_24
  Scenario: Encryption keys exist in one EU region only
    Given the audited infrastructure of the stack
    When it is checked that "KMS keys should not be multi-region" (CV-RES-002)
    Then every resource it applies to complies
