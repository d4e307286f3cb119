package io.contactsbridge;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulators (io.contactsbridge.simulator.., source root src/simulators) stand apart from the product: the
 * product does not use them, and they use nothing of the product, so that they run alone (the simulators jar) and
 * behave as the real services would, not as the bridge expects. Only the sandbox wiring (the package
 * io.contactsbridge.sandbox) joins the two. Tests may use both; the rules read main classes only.
 */
class SimulatorBoundaryTest {

    /** Main classes only: excludes test classes also where -Dbuild.dir moves them out of a folder named target. */
    private static final ImportOption MAIN_CLASSES_ONLY = location -> !location.contains("/test-classes/");

    @Test
    void productCodeDoesNotUseTheSimulators() {
        productMustNotUseSimulators("io.contactsbridge").check(mainClasses());
    }

    @Test
    void theSimulatorsUseNothingOfTheProduct() {
        simulatorsMustNotUseProduct("io.contactsbridge").check(mainClasses());
    }

    @Test
    void theSourceRootsHoldTheirOwnPackagesOnly() throws IOException {
        assertThat(Path.of("src", "main", "java", "io", "contactsbridge", "simulator")).doesNotExist();
        try (Stream<Path> packages = Files.list(Path.of("src", "simulators", "java", "io", "contactsbridge"))) {
            assertThat(packages.map(p -> p.getFileName().toString())).containsExactly("simulator");
        }
    }

    @Test
    void theRulesFindAProductClassThatUsesASimulatorAndASimulatorThatUsesTheProduct() {
        JavaClasses fixture = new ClassFileImporter().importPackages("io.contactsbridge.boundaryfixture");
        String root = "io.contactsbridge.boundaryfixture";

        // Each rule names the one class that breaks it, and neither names the wiring, which may use both sides.
        assertThat(productMustNotUseSimulators(root).evaluate(fixture).getFailureReport().getDetails())
                .isNotEmpty().allMatch(v -> v.startsWith("Method <" + root + ".product.ProductUsingASimulator."));
        assertThat(simulatorsMustNotUseProduct(root).evaluate(fixture).getFailureReport().getDetails())
                .isNotEmpty().allMatch(v -> v.startsWith("Method <" + root + ".simulator.SimulatorUsingTheProduct."));
    }

    /** Classes under {@code root} outside {@code root.simulator..} and the wiring {@code root.sandbox}. */
    static ArchRule productMustNotUseSimulators(String root) {
        return noClasses().that().resideInAPackage(root + "..")
                .and().resideOutsideOfPackages(root + ".simulator..", root + ".sandbox")
                .should().dependOnClassesThat().resideInAPackage(root + ".simulator..")
                .because("the product must not depend on a simulator; only the sandbox wiring (" + root
                        + ".sandbox) joins them");
    }

    static ArchRule simulatorsMustNotUseProduct(String root) {
        return noClasses().that().resideInAPackage(root + ".simulator..")
                .should().dependOnClassesThat(resideInAPackage(root + "..")
                        .and(resideOutsideOfPackage(root + ".simulator..")))
                .because("a simulator must run without the product (the simulators jar)");
    }

    private static JavaClasses mainClasses() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOptions(List.of(new ImportOption.DoNotIncludeTests(), MAIN_CLASSES_ONLY))
                .importPackages("io.contactsbridge");
        assertThat(classes.stream().map(c -> c.getPackageName()))
                .as("main classes of both sides, without test classes")
                .contains("io.contactsbridge.sandbox", "io.contactsbridge.simulator.highlevel")
                .noneMatch(p -> p.startsWith("io.contactsbridge.boundaryfixture"));
        return classes;
    }
}
