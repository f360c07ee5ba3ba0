package dev.haven.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers a contributor may rely on: core knows no store; the stores use core through its public API and the
 * documented engine API ({@code dev.haven.engine}), never core's {@code dev.haven.internal}; stores know neither
 * each other nor the testkit. Production classes only (tests may use the testkit).
 */
class LayeringTest {

    private static final String[] STORES = {"dev.haven.jdbc..", "dev.haven.redis..", "dev.haven.dynamodb.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.haven");
        // The import must have found every module, or the rules below would pass on nothing.
        for (String pkg : new String[] {"dev.haven.engine", "dev.haven.jdbc", "dev.haven.redis", "dev.haven.dynamodb",
                "dev.haven.testkit"}) {
            assertThat(classes.containPackage(pkg)).as("classes of %s imported", pkg).isTrue();
        }
    }

    @Test
    void coreKnowsNoStoreAndNoTestkit() {
        check(noClasses().that().resideInAnyPackage("dev.haven", "dev.haven.engine..", "dev.haven.internal..",
                        "dev.haven.spi..", "dev.haven.event..", "dev.haven.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage(STORES[0], STORES[1], STORES[2], "dev.haven.testkit.."));
    }

    @Test
    void nothingOutsideCoreTouchesCoresInternals() {
        check(noClasses().that().resideOutsideOfPackages("dev.haven", "dev.haven.engine..", "dev.haven.internal",
                        "dev.haven.spi..", "dev.haven.event..", "dev.haven.metrics..")
                .should().dependOnClassesThat().resideInAPackage("dev.haven.internal"));
    }

    @Test
    void storesDoNotKnowTheTestkit() {
        check(noClasses().that().resideInAnyPackage(STORES)
                .should().dependOnClassesThat().resideInAPackage("dev.haven.testkit.."));
    }

    @Test
    void storesDoNotKnowEachOther() {
        for (String store : STORES) {
            String[] others = java.util.Arrays.stream(STORES).filter(s -> !s.equals(store)).toArray(String[]::new);
            check(noClasses().that().resideInAPackage(store).should().dependOnClassesThat().resideInAnyPackage(others));
        }
    }

    private static void check(ArchRule rule) {
        rule.check(classes);
    }
}
