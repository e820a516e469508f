package dev.outboxrelay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RelayMembers} on the real server: the relays' membership leases in ShedLock's table. */
class RelayMembersTests extends StoreContractTests {
  private RelayMembers members;

  @BeforeEach
  void createMembers() {
    members = new RelayMembers(dataSource);
  }

  @Test
  void liveMembersCountsTheMembershipLeasesNotEndedAndIsAtLeastOne() {
    assertThat(members.liveMembers()).as("the one asking keeps its own").isEqualTo(1);
    lease(RelayMembers.LEASE_PREFIX + "a", "INTERVAL 1 MINUTE");
    lease(RelayMembers.LEASE_PREFIX + "b", "INTERVAL 1 MINUTE");
    lease(RelayMembers.LEASE_PREFIX + "ended", "INTERVAL -1 SECOND");
    lease("outbox-lane-3", "INTERVAL 1 MINUTE");

    assertThat(members.liveMembers()).isEqualTo(2);
  }

  @Test
  void theMembershipRowsOfRelaysGoneForADayArePurged() {
    lease(RelayMembers.LEASE_PREFIX + "live", "INTERVAL 1 MINUTE");
    lease(RelayMembers.LEASE_PREFIX + "gone-an-hour", "INTERVAL -1 HOUR");
    lease(RelayMembers.LEASE_PREFIX + "gone-two-days", "INTERVAL -2 DAY");
    lease("outbox-lane-3", "INTERVAL -2 DAY");

    assertThat(members.purgeStaleMembers()).isEqualTo(1);
    assertThat(jdbc.queryForList("SELECT name FROM shedlock ORDER BY name", String.class))
        .containsExactly(
            "outbox-lane-3",
            RelayMembers.LEASE_PREFIX + "gone-an-hour",
            RelayMembers.LEASE_PREFIX + "live");
  }
}
