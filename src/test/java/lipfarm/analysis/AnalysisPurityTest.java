package lipfarm.analysis;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The analysis package is pure Java: no actors, no ND4J, no reporting or CLI. */
class AnalysisPurityTest {
  @Test
  void analysisHasNoActorOrNd4jImports() {
    noClasses()
        .that()
        .resideInAPackage("lipfarm.analysis..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.pekko..",
            "org.nd4j..",
            "lipfarm.farm..",
            "lipfarm.reporting..",
            "lipfarm.cli..",
            "org.jfree..")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("lipfarm"));
  }
}
