package dev.outboxrelay.internal;

import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.config.SettingChecks;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/** The producer settings that the outbox's guarantees rest on, for the fast path and the relay. */
public final class ProducerSettings {
  private ProducerSettings() {}

  /**
   * Puts what no user setting may override into {@code config}: the cluster, idempotence (no
   * duplicates or reordering from the producer's own retries), acks from all in-sync replicas
   * (nothing is marked SENT that a broker failure could lose), and the byte-array serializers of
   * {@link KafkaRecords}.
   */
  public static Map<String, Object> enforce(Map<String, Object> config, String bootstrapServers) {
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }

  /**
   * The producer of {@code config}; settings Kafka refuses (a malformed bootstrap address, an
   * unknown compression type, a value of the wrong type, ...) fail as a bad setting.
   *
   * @param propertyPrefix where the settings come from, e.g. {@code outbox.relay.kafka}
   * @throws InvalidSettingException naming {@code <prefix>.bootstrap-servers} or {@code
   *     <prefix>.properties} with Kafka's reason (Kafka hides the values of password settings)
   */
  public static Producer<byte[], byte[]> createProducer(
      String propertyPrefix, Map<String, Object> config) {
    try {
      return new KafkaProducer<>(config);
    } catch (KafkaException e) {
      ConfigException refused = configException(e);
      if (refused == null) {
        // e.g. a JAAS configuration that does not parse, a trust store that cannot be read: still
        // a setting, said in one line; the cause's text only when it cannot quote a credential
        throw new InvalidSettingException(
            propertyPrefix + ".properties",
            "is refused by Kafka's producer: "
                + e.getMessage()
                + ": "
                + describe(rootCause(e), config));
      }
      String message = String.valueOf(refused.getMessage());
      throw new InvalidSettingException(
          propertyPrefix
              + (message.contains(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                  ? ".bootstrap-servers"
                  : ".properties"),
          "is refused by Kafka's producer: " + message);
    }
  }

  /**
   * A whole-number producer setting from {@code properties}, or {@code defaultValue} when unset.
   *
   * @param propertyPrefix where the properties come from, e.g. {@code outbox.kafka.properties}
   * @throws InvalidSettingException naming {@code <prefix>.<name>} when it is not a whole number
   */
  public static int intProperty(
      String propertyPrefix, Map<String, String> properties, String name, int defaultValue) {
    String configured = properties.get(name);
    if (configured == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(configured.trim());
    } catch (NumberFormatException e) {
      throw new InvalidSettingException(
          propertyPrefix + "." + name,
          "must be a whole number from 0 to " + Integer.MAX_VALUE + ", was '" + configured + "'");
    }
  }

  /**
   * Checks Kafka's rule {@code linger.ms + request.timeout.ms <= delivery.timeout.ms} for a
   * delivery timeout the outbox sets itself, so that the error names the properties the user set,
   * not one the user cannot set.
   *
   * @param config the producer's whole configuration; values are numbers or their strings
   * @param deliveryTimeoutMillis the delivery timeout the outbox sets
   * @param deliverySetting where the delivery timeout comes from and what to do, for the message
   * @throws InvalidSettingException naming {@code <propertyPrefix>.request.timeout.ms} (or {@code
   *     linger.ms}, whichever the user set) when the two exceed the delivery timeout
   */
  public static void requireFitsDeliveryTimeout(
      String propertyPrefix,
      Map<String, String> userProperties,
      Map<String, Object> config,
      long deliveryTimeoutMillis,
      String deliverySetting) {
    long linger;
    long request;
    try {
      linger = millis(config, ProducerConfig.LINGER_MS_CONFIG, 5);
      request = millis(config, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    } catch (NumberFormatException e) {
      return; // not a number: the producer refuses it, naming it
    }
    if (linger + request <= deliveryTimeoutMillis) {
      return;
    }
    String named =
        userProperties.containsKey(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)
                || !userProperties.containsKey(ProducerConfig.LINGER_MS_CONFIG)
            ? ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG
            : ProducerConfig.LINGER_MS_CONFIG;
    throw new InvalidSettingException(
        propertyPrefix + "." + named,
        "is too long: linger.ms + request.timeout.ms ("
            + (linger + request)
            + " ms) must fit in the producer's delivery.timeout.ms, "
            + deliveryTimeoutMillis
            + " ms here: "
            + deliverySetting);
  }

  /**
   * The keys of {@code userProperties} the outbox overrides in {@code effective} (the settings its
   * guarantees rest on, such as {@code acks} and {@code enable.idempotence}), each as {@code
   * key=given (used: effective)}; for one warning line at start, since a user who set them believes
   * they are in force. Only these keys are named: none of them holds a secret.
   */
  public static java.util.List<String> overridden(
      Map<String, String> userProperties, Map<String, Object> effective) {
    java.util.List<String> ignored = new java.util.ArrayList<>();
    for (String key : OWN) {
      String given = userProperties.get(key);
      Object used = effective.get(key);
      if (given != null && used != null && !given.trim().equals(String.valueOf(used))) {
        ignored.add(key + "=" + given + " (used: " + used + ")");
      }
    }
    return ignored;
  }

  private static final java.util.List<String> OWN =
      java.util.List.of(
          ProducerConfig.ACKS_CONFIG,
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
          ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
          ProducerConfig.MAX_BLOCK_MS_CONFIG,
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);

  /**
   * How long after a round stopped waiting the producer of {@code config} may still deliver one of
   * its records: {@code delivery.timeout.ms} (counted from the send, which came before the wait's
   * end) and {@code request.timeout.ms} (for the request that carried it when the producer gave
   * up). Kafka's defaults (120 s, 30 s) where {@code config} sets neither.
   *
   * @param config the producer's whole configuration; values are numbers or their strings
   */
  public static java.time.Duration inFlightHold(Map<String, Object> config) {
    return java.time.Duration.ofMillis(
        millis(config, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000)
            + millis(config, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000));
  }

  private static long millis(Map<String, Object> config, String name, long defaultValue) {
    Object value = config.get(name);
    return value == null ? defaultValue : Long.parseLong(value.toString().trim());
  }

  private static Throwable rootCause(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /**
   * The cause's class and message, unless the message could quote a credential (it mentions JAAS,
   * or holds the value of a setting whose name marks a secret): then its class only.
   */
  static String describe(Throwable cause, Map<String, Object> config) {
    String message = String.valueOf(cause.getMessage());
    boolean secret = message.toLowerCase(java.util.Locale.ROOT).contains("jaas");
    for (Map.Entry<String, Object> entry : config.entrySet()) {
      String value = String.valueOf(entry.getValue());
      if (SettingChecks.isSecret(entry.getKey()) && !value.isEmpty() && message.contains(value)) {
        secret = true;
      }
    }
    return cause.getClass().getName()
        + (secret ? " (its message is not shown: it may quote a credential)" : ": " + message);
  }

  private static @Nullable ConfigException configException(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConfigException refused) {
        return refused;
      }
      if (cause.getCause() == cause) {
        return null;
      }
    }
    return null;
  }
}
