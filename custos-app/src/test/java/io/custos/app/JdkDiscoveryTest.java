package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/find-jdk, which the launcher, the wrapper and ./test use, run against fake JDKs. */
class JdkDiscoveryTest {
  private static final Path SCRIPT = Path.of("../scripts/find-jdk").toAbsolutePath().normalize();
  @TempDir Path jvms;

  private Path fakeJdk(String name, String javaVersion) throws Exception {
    Path home = jvms.resolve(name);
    Files.createDirectories(home.resolve("bin"));
    for (String tool : new String[] {"java", "javac"}) {
      Path t = home.resolve("bin").resolve(tool);
      Files.writeString(t, "#!/bin/sh\nexit 0\n");
      Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + javaVersion + "\"\n");
    return home;
  }

  private record Result(int exit, String out, String err) {}

  private Result find(String javaHome) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toString());
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", "/usr/bin:/bin");
    env.put("CUSTOS_JDK_SEARCH_PATH", jvms.toString());
    if (javaHome != null) {
      env.put("JAVA_HOME", javaHome);
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    String err = new String(p.getErrorStream().readAllBytes()).trim();
    return new Result(p.waitFor(), out, err);
  }

  @Test
  @DisplayName("JAVA_HOME is used when it is a JDK 25")
  void javaHomeFirst() throws Exception {
    Path mine = fakeJdk("my-25", "25.0.1");
    fakeJdk("temurin-25-jdk-amd64", "25.0.3");
    assertThat(find(mine.toString())).isEqualTo(new Result(0, mine.toString(), ""));
  }

  @Test
  @DisplayName("a JAVA_HOME of Java 17 is passed over for the JDK 25 beside it")
  void javaHome17IsSkipped() throws Exception {
    Path old = fakeJdk("java-17-openjdk-amd64", "17.0.15");
    Path jdk25 = fakeJdk("temurin-25-jdk-amd64", "25.0.3");
    assertThat(find(old.toString()).out()).isEqualTo(jdk25.toString());
  }

  @Test
  @DisplayName("JDK 25 is preferred over a newer one; a newer one is taken if it is all there is")
  void prefersTheTestedRelease() throws Exception {
    fakeJdk("jdk-26", "26");
    Path jdk25 = fakeJdk("jdk-25", "25");
    assertThat(find(null).out()).isEqualTo(jdk25.toString());
    Files.walk(jdk25).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    assertThat(find(null).out()).isEqualTo(jvms.resolve("jdk-26").toString());
  }

  @Test
  @DisplayName("a directory without a runnable java and javac, or without a release file, is not a JDK")
  void incompleteJdksAreIgnored() throws Exception {
    Path jre = fakeJdk("jre-25", "25");
    Files.delete(jre.resolve("bin/javac"));
    Path noRelease = fakeJdk("odd-25", "25");
    Files.delete(noRelease.resolve("release"));
    Result r = find(null);
    assertThat(r.exit()).isEqualTo(1);
  }

  @Test
  @DisplayName("with no JDK 25 anywhere, one clear line says that JDK 25 is required")
  void noJdk() throws Exception {
    fakeJdk("java-17-openjdk-amd64", "17.0.15");
    Result r = find("/nonexistent");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("custos: JDK 25 is required").doesNotContain("\n");
  }

  @Test
  @DisplayName("on this machine the real search finds a JDK 25 (the build itself runs on it)")
  void realMachine() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toString());
    pb.environment().remove("CUSTOS_JDK_SEARCH_PATH");
    pb.environment().remove("JAVA_HOME");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor()).isZero();
    String release = Files.readString(Path.of(out, "release"));
    assertThat(release).containsPattern("JAVA_VERSION=\"2[5-9]");
  }
}
