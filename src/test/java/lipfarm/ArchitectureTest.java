package lipfarm;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md: numerics stay pure (no actors, no HTTP, no runtime), no
 * package depends on itself through others, and the front ends (cli, http) sit on top of the
 * runtime, never the reverse.
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("lipfarm");

  @Test
  void numericsHaveNoActorImports() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "lipfarm.training..",
            "lipfarm.estimation..",
            "lipfarm.bounds..",
            "lipfarm.data..",
            "lipfarm.analysis..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.pekko..",
            "lipfarm.farm..",
            "lipfarm.reporting..",
            "lipfarm.cli..",
            "lipfarm.http..",
            "java.net.http..",
            "com.sun.net.httpserver..")
        .check(CLASSES);
  }

  @Test
  void noPackageCycles() {
    SlicesRuleDefinition.slices().matching("lipfarm.(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void frontEndsDependOnTheRuntimeNeverTheReverse() {
    noClasses()
        .that()
        .resideOutsideOfPackages("lipfarm.cli..", "lipfarm.http..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("lipfarm.cli..", "lipfarm.http..")
        .check(CLASSES);
    noClasses()
        .that()
        .resideInAPackage("lipfarm.http..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("lipfarm.cli..")
        .check(CLASSES);
  }

  @Test
  void estimationAndBoundsDoNotNeedNd4j() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "lipfarm.estimation..", "lipfarm.bounds..", "lipfarm.data..", "lipfarm.analysis..")
        .and()
        .resideOutsideOfPackage("lipfarm.estimation.nd4j..") // the batched ND4J kernel, on purpose
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.nd4j..")
        .check(CLASSES);
  }
}
