package io.custos.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The layering rules of docs/layers.md. */
class ArchitectureTest {
  private static final String[] CORE = {"io.custos..",};
  private static final String[] ADAPTERS = {"io.custos.server..", "io.custos.store.jdbc..", "io.custos.app.."};
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.custos");
  }

  @Test
  @DisplayName("there is code to check (the importer found every module)")
  void importsEveryModule() {
    org.assertj.core.api.Assertions.assertThat(classes.stream().map(c -> c.getPackageName()).distinct())
        .contains("io.custos.store", "io.custos.store.jdbc", "io.custos.server", "io.custos.app", "io.custos.system");
  }

  @Test
  @DisplayName("the core imports no HTTP, JDBC, JSON-binding or CLI types")
  void coreIsPure() {
    noClasses().that().resideInAnyPackage(CORE).and().resideOutsideOfPackages(ADAPTERS)
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..",
            "java.sql..", "javax.sql..", "com.zaxxer..", "org.flywaydb..", "org.sqlite..", "org.postgresql..",
            "com.fasterxml.jackson..", "picocli..", "org.slf4j..", "ch.qos.logback..")
        .check(classes);
  }

  @Test
  @DisplayName("the store adapter uses neither the HTTP server nor the CLI")
  void storeAdapterStaysInItsLane() {
    noClasses().that().resideInAPackage("io.custos.store.jdbc..")
        .should().dependOnClassesThat().resideInAnyPackage("io.custos.server..", "io.custos.app..",
            "io.javalin..", "org.eclipse.jetty..", "picocli..")
        .check(classes);
  }

  @Test
  @DisplayName("the HTTP server uses neither JDBC nor the CLI")
  void serverStaysInItsLane() {
    noClasses().that().resideInAPackage("io.custos.server..")
        .should().dependOnClassesThat().resideInAnyPackage("io.custos.store.jdbc..", "io.custos.app..",
            "java.sql..", "javax.sql..", "picocli..")
        .check(classes);
  }

  @Test
  @DisplayName("no package cycles among the areas of Custos")
  void noCycles() {
    slices().matching("io.custos.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  @DisplayName("Bouncy Castle is used only in the crypto and X.509 adapters")
  void bouncyCastleOnlyInCryptoAdapters() {
    noClasses().that().resideOutsideOfPackages("io.custos.crypto..", "io.custos.x509..")
        .should().dependOnClassesThat().resideInAPackage("org.bouncycastle..")
        .check(classes);
  }
}
