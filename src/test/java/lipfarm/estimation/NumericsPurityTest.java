package lipfarm.estimation;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The numerics packages stay plain Java: no actors, no ND4J, so they can run anywhere. The one
 * exception is {@code lipfarm.estimation.nd4j}, the batched ND4J kernel, kept in its own package.
 */
class NumericsPurityTest {
  @Test
  void estimationAndBoundsDependOnNoActorOrNd4jClasses() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("lipfarm.estimation", "lipfarm.bounds");
    noClasses()
        .that()
        .resideOutsideOfPackage("lipfarm.estimation.nd4j..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.pekko..", "akka..", "org.nd4j..", "org.deeplearning4j..")
        .check(classes);
  }
}
