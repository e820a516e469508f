package dev.outboxrelay;

import java.util.Map;
import java.util.Objects;
import org.springframework.context.annotation.ImportSelector;
import org.springframework.core.type.AnnotationMetadata;

/** Imports the outbox configuration of {@link EnableOutbox#mode}. */
final class OutboxModeSelector implements ImportSelector {

  @Override
  public String[] selectImports(AnnotationMetadata metadata) {
    Map<String, Object> attributes =
        Objects.requireNonNull(metadata.getAnnotationAttributes(EnableOutbox.class.getName()));
    Class<?> configuration =
        attributes.get("mode") == OutboxSettings.Mode.MESSAGE_STORE
            ? MessageStoreConfiguration.class
            : SameDatabaseConfiguration.class;
    return new String[] {configuration.getName()};
  }
}
