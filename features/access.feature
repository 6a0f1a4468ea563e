@gdpr_art32_1_b @iso27001_a_8_3
Feature: Only authorised roles can reach recordings
  Recordings are never public, the media nodes hold only the permissions they need, and the
  recording service itself lets a meeting type's access roles, and no one else, play a recording.

  @iso27001_a_5_15
  Scenario: No bucket is public
    Given the audited infrastructure of the stack
    When it is checked that "Buckets should block all public access" (CV-PUB-001)
    And it is checked that "Bucket ACLs should not grant public access" (CV-PUB-002)
    And it is checked that "Bucket policies should not allow anyone" (CV-PUB-003)
    Then every resource it applies to complies

  @iso27001_a_8_2
  Scenario: Media nodes hold least-privilege permissions
    Given the audited infrastructure of the stack
    When it is checked that "The media-node role should only write recordings and use the recordings key with an encryption context" (CV-IAM-001)
    And it is checked that "Roles should not hold administrator or full-access permissions" (CV-IAM-002)
    And it is checked that "Role trust policies should not let anyone assume the role" (CV-IAM-003)
    And it is checked that "Instances should require IMDSv2" (CV-IAM-004)
    And it is checked that "Every host that runs the media node should run under a role the auditor can judge" (CV-REQ-005)
    Then every resource it applies to complies

  @iso27001_a_8_2
  Scenario: Every role that can read recordings is held to the DPO role's limits, whatever its name
    Given the audited infrastructure of the stack
    When it is checked that "The DPO role should only read, redact and delete recordings, and decrypt with the recording encryption context" (CV-IAM-005)
    Then every resource it applies to complies

  @runtime @per_recorded_meeting_type @iso27001_a_8_5 @gdpr_art5_1_f
  Scenario: A customer cannot fetch a recording of their own call
    Given a meeting type from the stack's configuration
    And a running media node with coturn and AWS
    When an agent and a customer hold a recorded call of that meeting type
    Then the customer is refused the recording and its manifest
    And a role allowed by the meeting type can play it

  @runtime @per_recorded_meeting_type @gdpr_art5_2 @iso27001_a_8_15
  Scenario: Every access to a recording appears in the access log
    Given a meeting type from the stack's configuration
    And a running media node with coturn and AWS
    When an agent and a customer hold a recorded call of that meeting type
    And staff and the customer try to open the recording
    Then every attempt, allowed or refused, is in the hash-chained access log
