package dev.outboxrelay.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicDurabilityTests {

  @Test
  void aTopicWhoseAcksAllTheLeaderAloneSatisfiesIsAtRisk() {
    // Kafka's default: min.insync.replicas=1
    assertThat(TopicDurability.risk(1, false))
        .startsWith("min.insync.replicas=1, so acks=all is satisfied by the leader alone");
  }

  @Test
  void uncleanLeaderElectionIsARiskWhateverMinInsyncReplicas() {
    assertThat(TopicDurability.risk(2, true)).startsWith("unclean.leader.election.enable=true");
  }

  @Test
  void twoInSyncReplicasWithoutUncleanElectionKeepAcknowledgedWrites() {
    assertThat(TopicDurability.risk(2, false)).isNull();
    assertThat(TopicDurability.risk(3, false)).isNull();
  }
}
