package io.custos.centrallog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the {@code openssl} command: a CA, a server certificate for
 * IP 127.0.0.1, a server certificate for another name, and a second, unrelated CA.
 */
final class TestPki {
  static final String PASSWORD = "changeit";

  final Path dir;

  private TestPki(Path dir) {
    this.dir = dir;
  }

  static boolean opensslAvailable() {
    try {
      Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static TestPki create(Path dir) throws IOException, InterruptedException {
    TestPki pki = new TestPki(dir);
    pki.ca("ca");
    pki.ca("other-ca");
    pki.leaf("server", "ca", "subjectAltName=IP:127.0.0.1", "serverAuth");
    pki.leaf("elsewhere", "ca", "subjectAltName=DNS:elsewhere.example", "serverAuth");
    pki.leaf("stranger", "other-ca", "subjectAltName=IP:127.0.0.1", "serverAuth");
    return pki;
  }

  Path pem(String name) {
    return dir.resolve(name + ".pem");
  }

  Path key(String name) {
    return dir.resolve(name + ".key");
  }

  /** PKCS#12 with the leaf's key and chain, password {@link #PASSWORD}. */
  Path p12(String name) {
    return dir.resolve(name + ".p12");
  }

  private void ca(String name) throws IOException, InterruptedException {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key(name).toString(), "-out", pem(name).toString(), "-days", "2",
        "-subj", "/CN=Custos test " + name, "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  }

  private void leaf(String name, String issuer, String san, String eku)
      throws IOException, InterruptedException {
    Path csr = dir.resolve(name + ".csr");
    Path ext = dir.resolve(name + ".ext");
    Files.writeString(ext, san + "\nextendedKeyUsage=" + eku
        + "\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE\n");
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key(name).toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
    openssl("x509", "-req", "-in", csr.toString(), "-CA", pem(issuer).toString(),
        "-CAkey", key(issuer).toString(), "-set_serial", "0x" + Long.toHexString(System.nanoTime()),
        "-days", "2", "-extfile", ext.toString(), "-out", pem(name).toString());
    openssl("pkcs12", "-export", "-in", pem(name).toString(), "-inkey", key(name).toString(),
        "-certfile", pem(issuer).toString(), "-out", p12(name).toString(),
        "-passout", "pass:" + PASSWORD);
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("openssl " + String.join(" ", args) + " failed:\n" + output);
    }
  }
}
