package dev.outboxrelay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.UnsatisfiedDependencyException;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The mode in the types, in a plain Spring application on the real servers: the outbox bean is a
 * {@link MessageStoreOutbox} only in message-store mode, injectable by that type before the outbox
 * exists; {@link EnableOutbox}'s mode and the settings' mode must agree.
 */
class OutboxModeIntegrationTests {

  /** Needs the message-store outbox. */
  record Approach5Service(MessageStoreOutbox outbox) {}

  /** Needs only {@code send}: works in both modes. */
  record SendingService(Outbox outbox) {}

  @Configuration(proxyBeanMethods = false)
  static class Approach5 {
    @Bean
    Approach5Service approach5Service(MessageStoreOutbox outbox) {
      return new Approach5Service(outbox);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Sending {
    @Bean
    SendingService sendingService(Outbox outbox) {
      return new SendingService(outbox);
    }
  }

  @Test
  void messageStoreModeInjectsTheMessageStoreOutboxByItsTypeAndAsAnOutbox() {
    try (OutboxFixture fixture =
        OutboxFixture.messageStore(OutboxSettings.builder(), Approach5.class, Sending.class)) {
      MessageStoreOutbox outbox = fixture.bean(Approach5Service.class).outbox();
      assertThat(fixture.bean(SendingService.class).outbox()).isSameAs(outbox);
      assertThat(declaredType(fixture)).isEqualTo(MessageStoreOutbox.class);

      PreparedMessage prepared =
          outbox.prepare(
              OutboxMessage.builder(fixture.topic).payload("p").reference(1, "mode-1").build());
      assertThat(outbox.enlist(prepared)).isEqualTo(prepared.messageId());
      assertThat(fixture.count("SELECT COUNT(*) FROM t_msg_order WHERE ref_id = 'mode-1'"))
          .isEqualTo(1);
    }
  }

  @Test
  void sameDatabaseModeHasNoMessageStoreOutboxToInject() {
    try (OutboxFixture fixture = new OutboxFixture(OutboxSettings.builder(), Sending.class)) {
      assertThat(fixture.bean(SendingService.class).outbox())
          .isNotInstanceOf(MessageStoreOutbox.class);
      assertThat(declaredType(fixture)).isEqualTo(Outbox.class);
    }
    assertThatThrownBy(() -> new OutboxFixture(OutboxSettings.builder(), Approach5.class))
        .isInstanceOf(UnsatisfiedDependencyException.class)
        .rootCause()
        .isInstanceOf(NoSuchBeanDefinitionException.class)
        .hasMessageContaining(MessageStoreOutbox.class.getName());
  }

  /**
   * The outbox bean's declared type, by which Spring matches an injection point while the bean does
   * not exist yet (an instance would match by its class).
   */
  private static Class<?> declaredType(OutboxFixture fixture) {
    RootBeanDefinition definition =
        (RootBeanDefinition) fixture.context.getBeanFactory().getMergedBeanDefinition("outbox");
    return java.util.Objects.requireNonNull(definition.getResolvedFactoryMethod()).getReturnType();
  }

  @Test
  void settingsWhoseModeIsNotEnableOutboxsModeStopStartUpInOneLine() {
    assertThat(
            startUpFailure(OutboxSettings.Mode.MESSAGE_STORE, OutboxFixture.SameDatabaseMode.class))
        .isEqualTo(
            "the OutboxSettings have outbox.mode=message-store but the outbox is registered for"
                + " outbox.mode=same-database: in Spring Boot set outbox.mode=message-store (an"
                + " OutboxSettings bean of your own must agree with it), in plain Spring use"
                + " @EnableOutbox(mode = MESSAGE_STORE)");
    assertThat(
            startUpFailure(OutboxSettings.Mode.SAME_DATABASE, OutboxFixture.MessageStoreMode.class))
        .startsWith(
            "the OutboxSettings have outbox.mode=same-database but the outbox is registered for"
                + " outbox.mode=message-store:")
        .endsWith("in plain Spring use @EnableOutbox(mode = SAME_DATABASE)");
  }

  /** The message of the exception that stops a context with these settings and this outbox. */
  private static String startUpFailure(OutboxSettings.Mode mode, Class<?> enableOutbox) {
    try (TestDatabase database = TestServers.database().createDatabase("mode");
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
      database.runScript(OutboxFixture.SCHEMA);
      context.registerBean(DataSource.class, database::dataSource);
      context.registerBean(OutboxSettings.class, () -> OutboxSettings.builder().mode(mode).build());
      context.register(OutboxFixture.Infrastructure.class, enableOutbox);
      Throwable failure = catchThrowable(context::refresh);
      assertThat(failure).isNotNull();
      Throwable root = org.assertj.core.util.Throwables.getRootCause(failure);
      assertThat(root).isInstanceOf(IllegalStateException.class);
      return root.getMessage();
    }
  }
}
