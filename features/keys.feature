@gdpr_art32_1_a @iso27001_a_8_24
Feature: Encryption keys are managed by the controller
  The KMS keys that protect recordings and logs rotate, cannot be deleted on a whim, and their
  policies name who may use them.

  Scenario: Keys rotate automatically
    Given the audited infrastructure of the stack
    When it is checked that "KMS keys should have automatic rotation on" (CV-KEY-001)
    Then every resource it applies to complies

  Scenario: A deleted key can still be recovered for at least a week
    Given the audited infrastructure of the stack
    When it is checked that "KMS keys should have a deletion window of at least 7 days" (CV-KEY-002)
    Then every resource it applies to complies

  @iso27001_a_8_2 @iso27001_a_5_15
  Scenario: Key policies grant named actions to named principals only
    Given the audited infrastructure of the stack
    When it is checked that "KMS key policies should not allow anyone" (CV-KEY-003)
    And it is checked that "KMS key policies should grant named actions, not kms:*" (CV-KEY-004)
    Then every resource it applies to complies
