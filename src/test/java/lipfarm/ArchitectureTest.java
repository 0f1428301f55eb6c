package lipfarm;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Numerics stay pure: no actors in training, estimation, bounds or data. */
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
            "lipfarm.training..", "lipfarm.estimation..", "lipfarm.bounds..", "lipfarm.data..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.pekko..", "lipfarm.farm..", "lipfarm.reporting..", "lipfarm.cli..")
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
