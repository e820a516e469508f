package dev.outboxrelay.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chart of {@code helm/outbox-relay}, rendered by the Helm engine, its objects read into
 * fabric8's typed models. A field the model does not know (a misspelt one) lands in the model's
 * {@code additionalProperties}: {@link #render} refuses any such field, at any depth.
 */
final class Chart {
  static final Path DIRECTORY = Path.of("..", "helm", "outbox-relay");
  static final String RELEASE = "outbox-relay";
  static final String NAMESPACE = "shop";

  /** The Kubernetes version rendered for (the chart needs 1.25+). */
  static final String KUBERNETES = "1.30.0";

  /** The values every install needs (the chart refuses to render without them). */
  static final Map<String, Object> REQUIRED =
      Map.of(
          "database.url", "jdbc:mysql://mysql.shop:3306/shop",
          "database.username", "relay",
          "database.password", "s3cret-Pa55",
          "kafka.bootstrapServers", "kafka-0.kafka:9092,kafka-1.kafka:9092",
          "image.repository", "registry.example.com/outbox-relay");

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "Deployment", Deployment.class,
          "Service", Service.class,
          "ServiceAccount", ServiceAccount.class,
          "Secret", Secret.class,
          "ConfigMap", ConfigMap.class,
          "PodDisruptionBudget", PodDisruptionBudget.class,
          "ServiceMonitor", ServiceMonitor.class,
          "PodMonitor", PodMonitor.class,
          "PrometheusRule", PrometheusRule.class);

  private Chart() {}

  /** The rendered manifests as Helm prints them. */
  static String template(Map<String, Object> values, Path... valuesFiles) {
    TemplateCommand command =
        new Helm(DIRECTORY)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBERNETES);
    values.forEach(command::set);
    for (Path file : valuesFiles) {
      command.withValuesFile(file);
    }
    return command.call();
  }

  /** The rendered objects, typed; fails on an unknown kind or an unknown field. */
  static Rendered render(Map<String, Object> values, Path... valuesFiles) throws Exception {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : template(values, valuesFiles).split("(?m)^---\\s*$")) {
      Map<?, ?> raw = YAML.readValue(document.isBlank() ? "{}" : document, Map.class);
      if (raw == null || raw.isEmpty()) {
        continue;
      }
      String kind = String.valueOf(raw.get("kind"));
      Class<? extends HasMetadata> type = KINDS.get(kind);
      if (type == null) {
        throw new AssertionError("the chart rendered a kind no test knows: " + kind);
      }
      HasMetadata object = YAML.readValue(document, type);
      List<String> unknown = new ArrayList<>();
      unknownFields(
          object, kind + " " + object.getMetadata().getName(), unknown, new IdentityHashMap<>());
      if (!unknown.isEmpty()) {
        throw new AssertionError("fields the Kubernetes model does not know: " + unknown);
      }
      objects.add(object);
    }
    return new Rendered(objects);
  }

  /** Walks the model's getters; collects the non-empty additionalProperties of fabric8 types. */
  private static void unknownFields(
      Object node, String path, List<String> unknown, Map<Object, Boolean> seen) throws Exception {
    if (node == null || seen.put(node, true) != null) {
      return;
    }
    if (node instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        unknownFields(entry.getValue(), path + "." + entry.getKey(), unknown, seen);
      }
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || java.lang.reflect.Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value = getter.invoke(node);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ": " + extra.keySet());
        }
        continue;
      }
      unknownFields(value, path + "." + getter.getName().substring(3), unknown, seen);
    }
  }

  /** The rendered objects. */
  record Rendered(List<HasMetadata> objects) {
    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
      List<T> found = all(type);
      if (found.size() != 1) {
        throw new AssertionError(
            "expected one " + type.getSimpleName() + ", rendered " + found.size());
      }
      return found.get(0);
    }

    /** The pod template of the one Deployment. */
    io.fabric8.kubernetes.api.model.PodSpec pod() {
      return one(Deployment.class).getSpec().getTemplate().getSpec();
    }

    /** The relay's container. */
    io.fabric8.kubernetes.api.model.Container relay() {
      return pod().getContainers().get(0);
    }

    Set<String> kinds() {
      return new java.util.TreeSet<>(objects.stream().map(HasMetadata::getKind).toList());
    }
  }
}
