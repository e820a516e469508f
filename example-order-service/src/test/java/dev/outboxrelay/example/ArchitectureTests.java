package dev.outboxrelay.example;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.outboxrelay.config.InvalidSettingException;
import dev.outboxrelay.config.KafkaSettings;
import dev.outboxrelay.relay.boot.OutboxRelayApplication;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The fence around the engine, and the layers (docs/design.md, "Components"). Here because this
 * module is the one that sees the classes of all three libraries (outbox-core, outbox-api,
 * outbox-relay) and of a user of them, the example; the bench has its own rule (bench's
 * BenchArchitectureTests).
 *
 * <p>The engine is {@code dev.outboxrelay.internal} and {@code dev.outboxrelay.config}
 * (outbox-core): public for the project's own modules, not for users. {@link
 * InvalidSettingException} is the one engine class users name: docs/design.md lists it among the
 * public API.
 */
class ArchitectureTests {
  private static final String CORE_INTERNAL = "dev.outboxrelay.internal..";
  private static final String CORE_CONFIG = "dev.outboxrelay.config..";
  private static final String API = "dev.outboxrelay";
  private static final String API_BOOT = "dev.outboxrelay.boot..";
  private static final String API_WEB = "dev.outboxrelay.web..";
  private static final String RELAY = "dev.outboxrelay.relay..";
  private static final String BOOT = "dev.outboxrelay..boot..";

  /**
   * The engine's types that users must not see. Two of {@code dev.outboxrelay.config} are public
   * API (docs/design.md, "Components"): the settings' error, and the Kafka part both settings
   * records share (a component of OutboxSettings and RelaySettings, which do not know each other).
   */
  static final DescribedPredicate<JavaClass> ENGINE =
      resideInAnyPackage(CORE_INTERNAL, CORE_CONFIG)
          .and(not(equivalentTo(InvalidSettingException.class)))
          .and(not(equivalentTo(KafkaSettings.class)))
          .as("an engine class (other than InvalidSettingException and KafkaSettings)");

  /** The libraries' main classes, as users get them in the jars. */
  private static final JavaClasses LIBRARIES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.outboxrelay");

  /** The example's classes, its tests included: users copy from both. */
  private static final JavaClasses EXAMPLE =
      new ClassFileImporter().importPackages("dev.outboxrelay.example");

  @Test
  void theExampleUsesNoEngineClass() {
    noClasses()
        .should()
        .dependOnClassesThat(ENGINE)
        .because("the example shows what a service writes, and a service sees the public API only")
        .check(EXAMPLE);
  }

  @Test
  void noPublicSignatureOfAUserFacingPackageExposesAnEngineType() {
    classes()
        .that()
        .resideInAnyPackage(API, "dev.outboxrelay.relay")
        .and()
        .arePublic()
        .should(exposeNoEngineType())
        .because(
            "a user names these types; what their public members take, return or throw must be"
                + " nameable too")
        .check(LIBRARIES);
  }

  @Test
  void theEngineDependsOnNoFrontEnd() {
    noClasses()
        .that()
        .resideInAnyPackage(CORE_INTERNAL, CORE_CONFIG)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(API, API_BOOT, API_WEB, RELAY, "dev.outboxrelay.example..")
        .check(LIBRARIES);
  }

  @Test
  void theServiceLibraryAndTheRelayDoNotKnowEachOther() {
    noClasses()
        .that()
        .resideInAnyPackage(API, API_BOOT, API_WEB)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(RELAY)
        .check(LIBRARIES);
    noClasses()
        .that()
        .resideInAPackage(RELAY)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(API, API_BOOT, API_WEB)
        .check(LIBRARIES);
  }

  @Test
  void onlyBootPackagesDependOnBootPackages() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("dev.outboxrelay..")
            .and()
            .resideOutsideOfPackage(BOOT)
            .should()
            .dependOnClassesThat(
                resideInAPackage(BOOT)
                    // the relay's application, which the demo runs as the chart does
                    .and(not(equivalentTo(OutboxRelayApplication.class))))
            .because("the libraries work without Spring Boot; their Boot glue sits on top of them");
    rule.check(LIBRARIES);
    rule.check(EXAMPLE);
  }

  /** Public members (and supertypes) of the class whose signature names an {@link #ENGINE} type. */
  private static ArchCondition<JavaClass> exposeNoEngineType() {
    return new ArchCondition<>("expose no engine type in a public signature") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        Set<JavaClass> supertypes = new LinkedHashSet<>(type.getRawInterfaces());
        type.getRawSuperclass().ifPresent(supertypes::add);
        for (JavaClass supertype : supertypes) {
          report(events, type, type.getName() + " extends", supertype);
        }
        for (JavaMember member : type.getMembers()) {
          if (!member.getModifiers().contains(JavaModifier.PUBLIC)) {
            continue;
          }
          Set<JavaClass> named = new LinkedHashSet<>();
          if (member instanceof JavaField field) {
            named.addAll(field.getType().getAllInvolvedRawTypes());
          } else if (member instanceof JavaCodeUnit code) {
            named.addAll(code.getReturnType().getAllInvolvedRawTypes());
            code.getParameterTypes().forEach(p -> named.addAll(p.getAllInvolvedRawTypes()));
            named.addAll(code.getThrowsClause().getTypes());
          }
          for (JavaClass exposed : named) {
            report(events, member, member.getFullName(), exposed);
          }
        }
      }

      private void report(ConditionEvents events, Object owner, String what, JavaClass exposed) {
        if (ENGINE.test(exposed)) {
          events.add(SimpleConditionEvent.violated(owner, what + " exposes " + exposed.getName()));
        }
      }
    };
  }
}
