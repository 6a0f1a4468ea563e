@gdpr_art28_1 @iso27001_a_5_19
Feature: Every processor is declared, bound by a DPA and kept in the EU
  The stack declares each processor and sub-processor with its services, regions and the
  reference of its data processing agreement (Art. 28(3)); resources say whose data they hold.

  @gdpr_art28_3 @iso27001_a_5_20
  Scenario: Every processor is declared with a DPA reference
    Given the audited infrastructure of the stack
    When it is checked that "Every processor should be declared with a DPA reference" (CV-PRC-001)
    And it is checked that "The stack should declare its processors and its meeting types" (CV-REQ-004)
    Then every resource it applies to complies

  @gdpr_art28_3_a @gdpr_art44
  Scenario: Processors process only in allowed EU regions
    Given the audited infrastructure of the stack
    When it is checked that "Processors should process only in allowed EU regions" (CV-PRC-002)
    Then every resource it applies to complies

  @gdpr_art5_1_b @iso27001_a_5_9 @iso27001_a_5_12
  Scenario: Resources say whose data they hold and for which purpose
    Given the audited infrastructure of the stack
    When it is checked that "Resources should carry purpose and controller tags" (CV-TAG-001)
    And it is checked that "Recording resources should name the meeting types they hold" (CV-TAG-002)
    And it is checked that "A bucket that holds recordings should declare its purpose" (CV-SCP-002)
    And it is checked that "A bucket's purpose tag should agree with what the facts show it holds" (CV-SCP-001)
    Then every resource it applies to complies
