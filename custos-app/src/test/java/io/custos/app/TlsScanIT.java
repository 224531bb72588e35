package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * SS-002 11.3.4 — Debian's {@code sslscan} against the running server: nothing below TLS 1.2,
 * and every suite it accepts forward-secret AEAD (no CBC, RC4, 3DES, NULL, EXPORT or anonymous).
 * The ./test script installs sslscan; this test installs it itself if it can (as root).
 */
class TlsScanIT {
  private static final Duration START = Duration.ofSeconds(30);
  private static String sslscan;
  @TempDir Path dir;

  @BeforeAll
  static void findScanner() throws Exception {
    Optional<String> found = scanner();
    if (found.isEmpty() && "root".equals(System.getProperty("user.name"))) {
      Process apt = new ProcessBuilder("sh", "-c",
          "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sslscan"
              + " || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sslscan)")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!apt.waitFor(5, TimeUnit.MINUTES)) {
        apt.destroyForcibly();
      }
      found = scanner();
    }
    assumeTrue(found.isPresent(), "sslscan is not installed and could not be installed (apt-get install sslscan, "
        + "or run ./test as root): the TLS scan is skipped");
    sslscan = found.get();
  }

  private static Optional<String> scanner() {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path p = Path.of(d, "sslscan");
      if (Files.isExecutable(p)) {
        return Optional.of(p.toString());
      }
    }
    return Optional.empty();
  }

  @Test
  @DisplayName("SS-002 11.3.4 — sslscan finds only TLS 1.3 and TLS 1.2 AEAD suites on an ECDSA server")
  void ecdsaServer() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    CustosProcess.selfSignedLoopbackCertificate(cert, key);
    assertStrong(scanServer(cert, key, true));
    Document tls13only = scanServer(cert, key, false);
    assertStrong(tls13only);
    // By default only TLS 1.3; TLS 1.2 is offered only when tls.allow_tls12 says so.
    assertThat(enabled(tls13only, "tls", "1.2")).isFalse();
    assertThat(enabled(tls13only, "tls", "1.3")).isTrue();
  }

  @Test
  @DisplayName("SS-002 11.3.4 — sslscan finds only TLS 1.3 and TLS 1.2 AEAD suites on an RSA server")
  void rsaServer() throws Exception {
    Path cert = dir.resolve("rsa.crt");
    Path key = dir.resolve("rsa.key");
    run("openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
    assertStrong(scanServer(cert, key, true));
  }

  @Test
  @DisplayName("the scan check itself catches a server offering CBC suites (openssl s_server)")
  void checkCatchesWeakServer() throws Exception {
    Path cert = dir.resolve("weak.crt");
    Path key = dir.resolve("weak.key");
    CustosProcess.selfSignedLoopbackCertificate(cert, key);
    int port = freePort();
    Process weak = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert", cert.toString(),
        "-key", key.toString(), "-quiet", "-cipher", "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      awaitPort(port);
      List<String> problems = weaknesses(scan("127.0.0.1:" + port));
      assertThat(problems).anySatisfy(p -> assertThat(p).contains("ECDHE-ECDSA-AES128-SHA"));
    } finally {
      weak.destroyForcibly();
    }
  }

  private Document scanServer(Path cert, Path key, boolean allowTls12) throws Exception {
    try (CustosProcess server = CustosProcess.start(Map.of("CUSTOS_TLS_ALLOW_TLS12", String.valueOf(allowTls12)), "--data-dir", dir.resolve("data").toString(),
        "server", "--listen", "127.0.0.1:0", "--tls-cert", cert.toString(), "--tls-key", key.toString())) {
      String line = server.await(server.err, l -> l.contains("listening on https://"), START);
      String addr = line.substring(line.indexOf("https://") + "https://".length()).trim();
      Document report = scan(addr);
      assertThat(server.terminate()).isZero();
      return report;
    }
  }

  private static void assertStrong(Document report) {
    List<String> problems = weaknesses(report);
    assertThat(problems).as("sslscan findings").isEmpty();
    assertThat(enabled(report, "tls", "1.3")).as("TLS 1.3 offered").isTrue();
  }

  /** Everything the scan found below the bar: old protocols, suites that are not forward-secret AEAD. */
  static List<String> weaknesses(Document report) {
    List<String> problems = new ArrayList<>();
    for (String[] old : new String[][] {{"ssl", "2"}, {"ssl", "3"}, {"tls", "1.0"}, {"tls", "1.1"}}) {
      if (enabled(report, old[0], old[1])) {
        problems.add(old[0].toUpperCase(Locale.ROOT) + " " + old[1] + " is enabled");
      }
    }
    NodeList ciphers = report.getElementsByTagName("cipher");
    int accepted = 0;
    for (int i = 0; i < ciphers.getLength(); i++) {
      Element c = (Element) ciphers.item(i);
      String status = c.getAttribute("status");
      if (!status.equals("accepted") && !status.equals("preferred")) {
        continue;
      }
      accepted++;
      String version = c.getAttribute("sslversion");
      String name = c.getAttribute("cipher");
      String upper = name.toUpperCase(Locale.ROOT);
      boolean aead = upper.contains("GCM") || upper.contains("CHACHA20-POLY1305") || upper.contains("CHACHA20_POLY1305");
      boolean forwardSecret = version.equals("TLSv1.3") || upper.startsWith("ECDHE-") || upper.startsWith("DHE-");
      boolean banned = List.of("RC4", "DES", "NULL", "EXP", "ANON", "ADH", "AECDH", "MD5", "CBC", "PSK", "SRP")
          .stream().anyMatch(upper::contains);
      if (!version.equals("TLSv1.3") && !version.equals("TLSv1.2")) {
        problems.add(version + " " + name + ": protocol below TLS 1.2");
      } else if (!aead || !forwardSecret || banned) {
        problems.add(version + " " + name + ": not a forward-secret AEAD suite");
      }
    }
    if (accepted == 0) {
      problems.add("the scan found no accepted suite at all: it did not reach the server");
    }
    NodeList bleed = report.getElementsByTagName("heartbleed");
    for (int i = 0; i < bleed.getLength(); i++) {
      if ("1".equals(((Element) bleed.item(i)).getAttribute("vulnerable"))) {
        problems.add("heartbleed on " + ((Element) bleed.item(i)).getAttribute("sslversion"));
      }
    }
    NodeList reneg = report.getElementsByTagName("renegotiation");
    for (int i = 0; i < reneg.getLength(); i++) {
      Element r = (Element) reneg.item(i);
      if ("1".equals(r.getAttribute("supported")) && !"1".equals(r.getAttribute("secure"))) {
        problems.add("insecure renegotiation");
      }
    }
    return problems;
  }

  private static boolean enabled(Document report, String type, String version) {
    NodeList protocols = report.getElementsByTagName("protocol");
    for (int i = 0; i < protocols.getLength(); i++) {
      Element p = (Element) protocols.item(i);
      if (p.getAttribute("type").equals(type) && p.getAttribute("version").equals(version)) {
        return p.getAttribute("enabled").equals("1");
      }
    }
    return false;
  }

  private Document scan(String hostPort) throws Exception {
    Path xml = dir.resolve("sslscan-" + System.nanoTime() + ".xml");
    Process p = new ProcessBuilder(sslscan, "--no-colour", "--xml=" + xml, hostPort)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("sslscan finished").isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(Files.readAllBytes(xml)));
    System.out.println("sslscan " + hostPort + ":\n" + out);
    return doc;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void awaitPort(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (java.io.IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("openssl s_server did not listen");
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
