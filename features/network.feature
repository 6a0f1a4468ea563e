@gdpr_art32_1_b @iso27001_a_8_20
Feature: The network exposes only what a call needs
  Only the TURN ports face the internet and no one can open a shell from the internet. Recordings survive an overwrite.

  @iso27001_a_8_22
  Scenario: Nothing but TURN is reachable from the internet
    Given the audited infrastructure of the stack
    When it is checked that "Security groups should not open SSH or RDP to the internet" (CV-NET-001)
    And it is checked that "Security groups should not accept all traffic from the internet" (CV-NET-003)
    And it is checked that "TURN security groups should open only TURN ports to the internet" (CV-NET-002)
    Then every resource it applies to complies

  @iso27001_a_8_21
  Scenario: TURN relays cannot be used to reach internal systems
    Given the audited infrastructure of the stack
    When it is checked that "TURN relays should deny peers in the metadata, private, loopback and IPv4-mapped ranges" (CV-TURN-001)
    And it is checked that "TURN allowed-peer-ip exceptions should only open the media-node subnets" (CV-TURN-002)
    And it is checked that "TURN relays should not reach loopback peers" (CV-TURN-003)
    And it is checked that "TURN servers should not run the admin CLI" (CV-TURN-004)
    Then every resource it applies to complies

  @gdpr_art32_1_c @iso27001_a_8_13
  Scenario: Recordings survive an accidental overwrite or deletion
    Given the audited infrastructure of the stack
    When it is checked that "Buckets should have versioning on" (CV-RSL-001)
    Then every resource it applies to complies
