package dev.outboxrelay.bench;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.config.KafkaSettings;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What of the engine the bench may use. It measures the engine's phases on purpose, which no public
 * API reaches: [1b] runs one relay round by hand with the relay's own building blocks (RelayLimits:
 * RoundClaims, OrderingGuard, BatchPublisher, RoundOutcomes, OutboxRow) to time each step; [5]
 * claims rows as a relay lane does (Scaling: RoundClaims, OutboxRow); the backlog is inserted by
 * SQL, with the lane and message id the write path would give (Backlog: Lanes, MessageIds), and the
 * send cost reads the status the write path left (SendCost: MessageStatus). Through the public API
 * those figures would measure something else. Everything else goes through the public API as a
 * user's service and relay do; a new engine dependency fails here and must be argued for.
 */
class BenchArchitectureTests {
  private static final Set<String> MEASURED =
      Set.of(
          "RoundClaims",
          "OrderingGuard",
          "BatchPublisher",
          "RoundOutcomes",
          "OutboxRow",
          "Lanes",
          "MessageIds",
          "MessageStatus");

  /** An engine class other than {@link #MEASURED} (and their nested classes). */
  private static final DescribedPredicate<JavaClass> UNLISTED_ENGINE_CLASS =
      resideInAnyPackage("dev.outboxrelay.internal..", "dev.outboxrelay.config..")
          .and(
              not(
                  DescribedPredicate.describe(
                      "listed",
                      (JavaClass type) -> MEASURED.contains(outermost(type).getSimpleName()))))
          // public API (docs/design.md, "Components")
          .and(not(JavaClass.Predicates.equivalentTo(InvalidSettingException.class)))
          .and(not(JavaClass.Predicates.equivalentTo(KafkaSettings.class)))
          .as("an engine class the bench does not measure on purpose");

  private static JavaClass outermost(JavaClass type) {
    JavaClass outer = type;
    while (outer.getEnclosingClass().isPresent()) {
      outer = outer.getEnclosingClass().get();
    }
    return outer;
  }

  @Test
  void theBenchUsesOnlyTheEngineClassesItMeasures() {
    noClasses()
        .should()
        .dependOnClassesThat(UNLISTED_ENGINE_CLASS)
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.outboxrelay.bench"));
  }
}
