package dev.outboxrelay.testsupport;

import java.util.List;

/**
 * A running three-node Kafka cluster whose nodes tests crash, stop, freeze and bring back: topics
 * are created with replication factor 3 and {@code min.insync.replicas=2}, unclean leader election
 * is off, so an acknowledged record survives the loss of any one node.
 */
public interface KafkaCluster {

  /** Every node's address, comma-separated: a client finds the cluster through any running one. */
  String bootstrapServers();

  /** The nodes' ids ({@code node.id}), ascending. */
  List<Integer> nodeIds();

  /**
   * The partition's current leader, as the cluster's metadata names it, asked of the running nodes
   * that are not paused.
   *
   * @return the leader's node id, or -1 while the partition has none
   * @throws IllegalStateException if no such node answers within 5 s each
   */
  int leader(String topic, int partition);

  /**
   * The partition's in-sync replicas (ISR), ascending, asked as {@link #leader} is: a restarted
   * node is back in it only once it has caught up.
   *
   * @throws IllegalStateException if no running, unpaused node answers within 5 s each
   */
  List<Integer> inSyncReplicas(String topic, int partition);

  /**
   * Crashes the node (SIGKILL): no controlled shutdown, nothing flushed; its data dir stays for
   * {@link #start}. Returns once its port is closed; does nothing while it is stopped.
   */
  void kill(int nodeId);

  /** Stops the node cleanly (SIGTERM), keeping its data; does nothing while it is stopped. */
  void stop(int nodeId);

  /**
   * Starts a stopped or killed node on its address with its data; returns once the cluster lists it
   * as a live broker. Does nothing while it runs.
   *
   * @throws IllegalStateException if it is not back within 60 s
   */
  void start(int nodeId);

  /**
   * Freezes the node (SIGSTOP): its connections stay open, nothing is handled until {@link
   * #resume}, as in a long GC pause. Does nothing while it is paused.
   */
  void pause(int nodeId);

  /** Ends a {@link #pause} (SIGCONT). Does nothing unless it is paused. */
  void resume(int nodeId);

  /** Whether the node's process runs (paused or not). */
  boolean isRunning(int nodeId);

  /**
   * Every node serving again: resumes the paused ones and starts the stopped ones; returns once all
   * are live brokers.
   */
  void restore();

  /**
   * Creates a topic with replication factor 3 ({@code min.insync.replicas=2} from the cluster's
   * default) and returns once every partition has a leader and three replicas in sync. An existing
   * topic with the same partition count is accepted.
   */
  void createTopic(String name, int partitions);
}
