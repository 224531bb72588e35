package io.custos.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.store.StorageUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path yaml(String text) throws Exception {
    Path f = dir.resolve("custos.yaml");
    Files.writeString(f, text);
    return f;
  }

  @Test
  @DisplayName("without any source the defaults apply")
  void defaults() {
    CustosConfig c = new ConfigLoader().load();
    assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/custos"));
    assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.1", 8200));
    assertThat(c.tlsCert()).isEmpty();
    assertThat(c.storageUrl()).isEqualTo(new StorageUrl.Sqlite(Path.of("/var/lib/custos/custos.db")));
    assertThat(c.logFormat()).isEqualTo(CustosConfig.LogFormat.PLAIN);
    assertThat(c.logLevel()).isEqualTo("info");
    assertThat(c.maxRequestBytes()).isEqualTo(2 * 1024 * 1024);
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  @DisplayName("the documented example file is valid and every key in it is read")
  void exampleFileIsValid() throws Exception {
    CustosConfig c = new ConfigLoader().file(Path.of("../custos.yaml.example")).load();
    assertThat(c.tlsCert()).contains(Path.of("/etc/custos/tls.crt"));
    assertThat(c.tlsKey()).contains(Path.of("/etc/custos/tls.key"));
    assertThat(c.storageUrl()).isEqualTo(new StorageUrl.Sqlite(Path.of("/var/lib/custos/custos.db")));
    assertThat(c.auditSyslog()).contains(new HostPort("127.0.0.1", 6514));
    assertThat(c.monitor().denials().threshold()).isEqualTo(10);
    assertThat(c.monitor().resources().kekPrefixes()).containsExactly("kms/keys/kek-");
    assertThat(c.rateLimits()).isEqualTo(io.custos.server.RateLimits.defaults());
    assertThat(c.caBaseUrl()).contains("https://pki.example.com:8200");
    assertThat(c.caCrl()).isEqualTo(io.custos.ca.CrlPublisher.Settings.DEFAULTS);
  }

  @Test
  @DisplayName("SS-002 11.6.4 — CRL validity and regeneration interval are configurable, regeneration well before nextUpdate")
  void crlSchedule() throws Exception {
    CustosConfig d = new ConfigLoader().load();
    assertThat(d.caCrl().nextUpdate()).isEqualTo(java.time.Duration.ofHours(24));
    assertThat(d.caCrl().regenerateEvery()).isEqualTo(java.time.Duration.ofHours(6));
    CustosConfig c = new ConfigLoader().file(yaml("ca:\n  crl_next_update: 48h\n  crl_regenerate_every: 12h\n")).load();
    assertThat(c.caCrl().nextUpdate()).isEqualTo(java.time.Duration.ofHours(48));
    assertThat(c.caCrl().regenerateEvery()).isEqualTo(java.time.Duration.ofHours(12));
    assertThatThrownBy(() -> new ConfigLoader().file(yaml("ca:\n  crl_regenerate_every: 20h\n")).load())
        .isInstanceOf(ConfigException.class).hasMessageContaining("ca.crl_regenerate_every")
        .hasMessageContaining("SS-002 11.6.4");
    assertThatThrownBy(() -> new ConfigLoader().file(yaml("ca:\n  crl_next_update: soon\n")).load())
        .isInstanceOf(ConfigException.class).hasMessageContaining("ca.crl_next_update");
  }

  @Test
  @DisplayName("SS-002 11.3.14 — anomaly thresholds are configurable")
  void monitorThresholds() throws Exception {
    CustosConfig c = new ConfigLoader().file(yaml("monitor:\n  denial_burst: 3\n  bulk_decrypt: 20\n  rate_factor: 2.5\n"))
        .load();
    assertThat(c.monitor().denials().threshold()).isEqualTo(3);
    assertThat(c.monitor().bulkDecrypt().threshold()).isEqualTo(20);
    assertThat(c.monitor().rate().factor()).isEqualTo(2.5);
  }

  @Test
  @DisplayName("SS-002 11.6.1 — rate limits per address and per principal are configurable, by file or environment")
  void rateLimits() throws Exception {
    CustosConfig d = new ConfigLoader().load();
    assertThat(d.rateLimits()).isEqualTo(io.custos.server.RateLimits.defaults());
    assertThat(d.rateLimits().perAddress()).isEqualTo(new io.custos.server.RateLimits.Rate(200, 400));
    CustosConfig c = new ConfigLoader().file(yaml("limits:\n  per_address: 50/s burst 80\n  per_principal: 10/s\n"))
        .load();
    assertThat(c.rateLimits().perAddress()).isEqualTo(new io.custos.server.RateLimits.Rate(50, 80));
    assertThat(c.rateLimits().perPrincipal()).isEqualTo(new io.custos.server.RateLimits.Rate(10, 20));
    CustosConfig e = new ConfigLoader().file(yaml("limits:\n  per_address: 50/s\n"))
        .environment(Map.of("CUSTOS_LIMIT_PER_ADDRESS", "off", "CUSTOS_LIMIT_PER_PRINCIPAL", "0.5/s burst 1")).load();
    assertThat(e.rateLimits().perAddress()).isEqualTo(io.custos.server.RateLimits.Rate.OFF);
    assertThat(e.rateLimits().perPrincipal()).isEqualTo(new io.custos.server.RateLimits.Rate(0.5, 1));
    for (String bad : new String[] {"fast", "0/s", "200", "200/m", "-1/s", "200/s burst 0", "200/s burst"}) {
      Path f = yaml("limits:\n  per_address: '" + bad + "'\n");
      assertThatThrownBy(() -> new ConfigLoader().file(f).load()).as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("'limits.per_address': must be a rate such as 200/s, 200/s burst 400, or off");
    }
  }

  @Test
  @DisplayName("SS-002 11.3.4 — TLS 1.3 only unless tls.allow_tls12 is set")
  void tls12OnlyWhenConfigured() throws Exception {
    assertThat(new ConfigLoader().load().tlsAllowTls12()).isFalse();
    assertThat(new ConfigLoader().file(yaml("tls:\n  allow_tls12: true\n")).load().tlsAllowTls12()).isTrue();
    assertThat(new ConfigLoader().environment(Map.of("CUSTOS_TLS_ALLOW_TLS12", "on")).load().tlsAllowTls12()).isTrue();
    Path f = yaml("tls:\n  allow_tls12: maybe\n");
    assertThatThrownBy(() -> new ConfigLoader().file(f).load()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'tls.allow_tls12': must be true or false");
  }

  @Test
  @DisplayName("SS-002 11.5.2 — ca.expiry_horizons (default 30d,7d,1d) and ca.expiry_webhook")
  void expiryAlerts() throws Exception {
    CustosConfig defaults = new ConfigLoader().load();
    assertThat(defaults.caExpiryHorizons()).containsExactly(java.time.Duration.ofDays(30), java.time.Duration.ofDays(7),
        java.time.Duration.ofDays(1));
    assertThat(defaults.caExpiryWebhook()).isEmpty();
    CustosConfig c = new ConfigLoader().file(yaml("ca:\n  expiry_horizons: 14d,2d\n"
        + "  expiry_webhook: https://alerts.example.com/custos\n")).load();
    assertThat(c.caExpiryHorizons()).containsExactly(java.time.Duration.ofDays(14), java.time.Duration.ofDays(2));
    assertThat(c.caExpiryWebhook()).contains(java.net.URI.create("https://alerts.example.com/custos"));
    assertThat(new ConfigLoader().environment(Map.of("CUSTOS_CA_EXPIRY_HORIZONS", "12h")).load().caExpiryHorizons())
        .containsExactly(java.time.Duration.ofHours(12));
    Path bad = yaml("ca:\n  expiry_horizons: soon\n");
    assertThatThrownBy(() -> new ConfigLoader().file(bad).load()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'ca.expiry_horizons'");
    Path badUrl = yaml("ca:\n  expiry_webhook: ftp://example.com/x\n");
    assertThatThrownBy(() -> new ConfigLoader().file(badUrl).load()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'ca.expiry_webhook': must be an http(s) URL");
  }

  @Test
  @DisplayName("SS-002 11.1.6, 11.1.8 — ca.profiles: custom profiles read and checked at load")
  void customProfiles() throws Exception {
    CustosConfig c = new ConfigLoader().file(yaml("""
        ca:
          profiles:
            - name: partner-mtls
              description: Partner mutual TLS
              key_algorithms: [ecdsa-p256, rsa]
              min_rsa_bits: 4096
              key_usage: [digitalSignature]
              extended_key_usage: [clientAuth]
              san_types: [dns]
              require_san: true
              required_subject_fields: [CN, O]
              max_lifetime: 90d
              policy_oids: [1.3.6.1.4.1.99999.7.1]
              server_keygen: true
        """)).load();
    assertThat(c.caProfiles()).hasSize(1);
    io.custos.x509.Profile p = c.caProfiles().getFirst();
    assertThat(p.name()).isEqualTo("partner-mtls");
    assertThat(p.minRsaBits()).isEqualTo(4096);
    assertThat(p.extendedKeyUsage()).containsExactly("clientAuth");
    assertThat(p.maxLifetime()).isEqualTo(Duration.ofDays(90));
    assertThat(p.policyOids()).containsExactly("1.3.6.1.4.1.99999.7.1");
    assertThat(p.serverSideKeyGeneration()).isTrue();
    assertThat(new ConfigLoader().load().caProfiles()).isEmpty();
    assertThat(new ConfigLoader().environment(Map.of("CUSTOS_CA_PROFILES", "[{\"name\": \"short\", "
        + "\"key_algorithms\": [\"ed25519\"], \"key_usage\": [\"digitalSignature\"], \"extended_key_usage\": "
        + "[\"codeSigning\"], \"max_lifetime\": \"30d\"}]")).load().caProfiles()).extracting(x -> x.name())
        .containsExactly("short");
  }

  @Test
  @DisplayName("SS-002 11.1.6, 11.1.9, 11.3.3, 11.3.9 — bad ca.profiles stop start-up with every reason, each naming its control")
  void badCustomProfiles() throws Exception {
    Path bad = yaml("""
        ca:
          profiles:
            - name: mixed
              key_algorithms: [rsa, dsa]
              min_rsa_bits: 2048
              key_usage: [digitalSignature, sparkle]
              extended_key_usage: [serverAuth, clientAuth]
              max_lifetime: 5y
            - name: tls-server
              key_algorithms: [ecdsa-p256]
              key_usage: [digitalSignature]
              extended_key_usage: [serverAuth]
              max_lifetime: 90d
            - description: no name
        """);
    assertThatThrownBy(() -> new ConfigLoader().file(bad).load()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'ca.profiles'")
        .hasMessageContaining("ca.profiles[0] (mixed)")
        .hasMessageContaining("SS-002 11.3.9: key algorithm 'dsa' is not on the approved list")
        .hasMessageContaining("min_rsa_bits 2048 is below the approved minimum of 3072")
        .hasMessageContaining("unknown key usage 'sparkle'")
        .hasMessageContaining("SS-002 11.3.3: extended_key_usage [serverAuth, clientAuth] mixes purposes")
        .hasMessageContaining("SS-002 11.1.9: max_lifetime 5y is longer than the 2 years")
        .hasMessageContaining("ca.profiles[1] (tls-server): SS-002 11.1.6: tls-server is a built-in profile")
        .hasMessageContaining("ca.profiles[2]: each profile is a mapping with a name");
    Path notList = yaml("ca:\n  profiles: tls-server\n");
    assertThatThrownBy(() -> new ConfigLoader().file(notList).load()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("must be a list of profiles");
  }

  @Test
  @DisplayName("SS-002 11.6.1 — ca.ocsp: response validity (1h), responder lifetime (30d), nonces off, cache size")
  void ocspSettings() throws Exception {
    CustosConfig defaults = new ConfigLoader().load();
    assertThat(defaults.caOcsp()).isEqualTo(io.custos.ca.OcspResponder.Settings.defaults());
    assertThat(defaults.caOcsp().nonce()).isFalse();
    CustosConfig c = new ConfigLoader().file(yaml("ca:\n  ocsp:\n    validity: 2h\n    responder_validity: 14d\n"
        + "    nonce: true\n    cache_entries: 5000\n    presign_per_pass: 2000\n")).load();
    assertThat(c.caOcsp().responseValidity()).isEqualTo(java.time.Duration.ofHours(2));
    assertThat(c.caOcsp().responderValidity()).isEqualTo(java.time.Duration.ofDays(14));
    assertThat(c.caOcsp().nonce()).isTrue();
    assertThat(c.caOcsp().cacheEntries()).isEqualTo(5000);
    assertThat(c.caOcsp().presignPerPass()).isEqualTo(2000);
    assertThat(defaults.caOcsp().presignPerPass()).isEqualTo(io.custos.ca.OcspResponder.Settings.DEFAULT_PRESIGN_PER_PASS);
    assertThatThrownBy(() -> new ConfigLoader().file(yaml("ca:\n  ocsp:\n    presign_per_pass: -1\n")).load())
        .isInstanceOf(ConfigException.class).hasMessageContaining("pre-signing budget");
    assertThat(new ConfigLoader().environment(Map.of("CUSTOS_CA_OCSP_NONCE", "on")).load().caOcsp().nonce()).isTrue();
    Path tooLong = yaml("ca:\n  ocsp:\n    responder_validity: 120d\n");
    assertThatThrownBy(() -> new ConfigLoader().file(tooLong).load()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("at most 90 days");
    Path unknownKey = yaml("ca:\n  ocsp:\n    nonces: true\n");
    assertThatThrownBy(() -> new ConfigLoader().file(unknownKey).load()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'ca.ocsp.nonces'");
  }

  @Test
  @DisplayName("SS-002 11.6.2–11.6.3 — compromise.availability_first and compromise.contacts, as YAML lists or ';'-separated")
  void compromiseSettings() throws Exception {
    CustosConfig defaults = new ConfigLoader().load();
    assertThat(defaults.compromiseAvailabilityFirst()).isEmpty();
    assertThat(defaults.compromiseContacts()).isEmpty();
    CustosConfig c = new ConfigLoader().file(yaml("compromise:\n  availability_first: [payments, issuing]\n"
        + "  contacts:\n    - \"SOC <soc@example.com>, +44 20 7946 0999\"\n    - CISO <ciso@example.com>\n")).load();
    assertThat(c.compromiseAvailabilityFirst()).containsExactly("payments", "issuing");
    assertThat(c.compromiseContacts()).containsExactly("SOC <soc@example.com>, +44 20 7946 0999",
        "CISO <ciso@example.com>");
    assertThat(new ConfigLoader().environment(Map.of("CUSTOS_COMPROMISE_CONTACTS", "SOC <soc@example.com>; CISO"))
        .load().compromiseContacts()).containsExactly("SOC <soc@example.com>", "CISO");
    Path bad = yaml("compromise:\n  contacts: [[nested]]\n");
    assertThatThrownBy(() -> new ConfigLoader().file(bad).load()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'compromise.contacts'");
    Path unknown = yaml("compromise:\n  contact: x\n");
    assertThatThrownBy(() -> new ConfigLoader().file(unknown).load()).isInstanceOf(ConfigException.class)
        .hasMessageContaining("compromise.contact");
  }

  @Test
  @DisplayName("file < environment < flags")
  void precedence() throws Exception {
    Path f = yaml("""
        data_dir: /from/file
        listen: 0.0.0.0:9000
        log:
          format: json
          level: debug
        limits:
          max_request_bytes: 64KiB
          idle_timeout: 5m
        """);
    CustosConfig fileOnly = new ConfigLoader().file(f).load();
    assertThat(fileOnly.dataDir()).isEqualTo(Path.of("/from/file"));
    assertThat(fileOnly.listen()).isEqualTo(new HostPort("0.0.0.0", 9000));
    assertThat(fileOnly.logFormat()).isEqualTo(CustosConfig.LogFormat.JSON);
    assertThat(fileOnly.maxRequestBytes()).isEqualTo(64 * 1024);
    assertThat(fileOnly.idleTimeout()).isEqualTo(Duration.ofMinutes(5));

    CustosConfig withEnv = new ConfigLoader().file(f)
        .environment(Map.of("CUSTOS_LISTEN", "127.0.0.1:9100", "CUSTOS_DATA_DIR", "/from/env", "CUSTOS_ADDR", "ignored"))
        .load();
    assertThat(withEnv.listen().port()).isEqualTo(9100);
    assertThat(withEnv.dataDir()).isEqualTo(Path.of("/from/env"));

    CustosConfig withFlag = new ConfigLoader().file(f)
        .environment(Map.of("CUSTOS_LISTEN", "127.0.0.1:9100"))
        .flag("listen", "--listen", "[::1]:9200")
        .load();
    assertThat(withFlag.listen()).isEqualTo(new HostPort("::1", 9200));
  }

  @Test
  @DisplayName("an unknown key stops start-up naming the file and the key")
  void unknownKey() throws Exception {
    Path f = yaml("listen: 127.0.0.1:8200\nlisten_adress: 1.2.3.4:1\n");
    assertThatThrownBy(() -> new ConfigLoader().file(f).load())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config " + f + ": 'listen_adress': unknown key");
    Path nested = yaml("tls:\n  certificate: x\n");
    assertThatThrownBy(() -> new ConfigLoader().file(nested).load())
        .hasMessageContaining("'tls.certificate': unknown key");
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "listen: nowhere                    | 'listen': expected HOST:PORT",
      "listen: 127.0.0.1:70000            | 'listen': port in '127.0.0.1:70000' must be a number from 0 to 65535",
      "log: {format: xml}                 | 'log.format': must be plain or json, got 'xml'",
      "log: {level: loud}                 | 'log.level': must be one of",
      "limits: {max_request_bytes: 12 GB} | 'limits.max_request_bytes': must be a size",
      "limits: {max_request_bytes: 10}    | 'limits.max_request_bytes': must be from 1KiB to 64MiB",
      "limits: {idle_timeout: soon}       | 'limits.idle_timeout': must be a duration",
      "limits: {idle_timeout: 2h}         | 'limits.idle_timeout': must be from 1s to 1h",
      "storage: mysql://db                | 'storage': storage URL must start with sqlite: or postgresql://",
      "storage: 'sqlite:'                 | 'storage': storage URL 'sqlite:' needs a file path",
      "tls: {cert: /a.pem}                | 'tls.key': is required when tls.cert is set",
      "tls: /a.pem                        | 'tls': must be a mapping",
      "listen: [1, 2]                     | 'listen': must be a single value",
      "data_dir: ''                       | 'data_dir': must be a path, got nothing",
      "monitor: {denial_burst: many}      | 'monitor.denial_burst': must be a number from 2 to 100000",
      "monitor: {rate_factor: 1}          | 'monitor.rate_factor': must be a number from 1 to 1000",
      "audit: {checkpoint_every: 0}       | 'audit.checkpoint_every': must be a whole number from 1 to 1000000",
      "audit: {syslog: nowhere}           | 'audit.syslog': expected HOST:PORT",
  })
  @DisplayName("a bad value stops start-up naming the key and the problem")
  void badValues(String yaml, String expected) throws Exception {
    Path f = yaml(yaml + "\n");
    assertThatThrownBy(() -> new ConfigLoader().file(f).load())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config " + f + ": ")
        .hasMessageContaining(expected);
  }

  @Test
  @DisplayName("a bad environment value names the variable")
  void badEnvironment() {
    assertThatThrownBy(() -> new ConfigLoader().environment(Map.of("CUSTOS_LOG_FORMAT", "xml")).load())
        .hasMessage("environment CUSTOS_LOG_FORMAT: 'log.format': must be plain or json, got 'xml'");
    assertThatThrownBy(() -> new ConfigLoader().flag("listen", "--listen", "x").load())
        .hasMessageStartingWith("option --listen: 'listen':");
  }

  @Test
  @DisplayName("a missing, malformed or hostile file is refused with a clear message")
  void badFiles() throws Exception {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> new ConfigLoader().file(missing))
        .hasMessage("config " + missing + ": file does not exist");
    Path broken = yaml("listen: [unclosed\n");
    assertThatThrownBy(() -> new ConfigLoader().file(broken)).hasMessageContaining("not valid YAML");
    Path dup = yaml("listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n");
    assertThatThrownBy(() -> new ConfigLoader().file(dup)).hasMessageContaining("not valid YAML");
    Path list = yaml("- a\n- b\n");
    assertThatThrownBy(() -> new ConfigLoader().file(list)).hasMessageContaining("top level must be a mapping");
    StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'k'; c++) {
      char p = (char) (c - 1);
      bomb.append(c).append(": &").append(c).append(" [*").append(p).append(", *").append(p)
          .append(", *").append(p).append(", *").append(p).append("]\n");
    }
    Path laughs = yaml(bomb.toString());
    assertThatThrownBy(() -> new ConfigLoader().file(laughs)).isInstanceOf(ConfigException.class);
    Path big = dir.resolve("big.yaml");
    Files.writeString(big, "# " + "x".repeat(2 * 1024 * 1024));
    assertThatThrownBy(() -> new ConfigLoader().file(big)).hasMessageContaining("larger than");
    Path directory = Files.createDirectory(dir.resolve("d.yaml"));
    assertThatThrownBy(() -> new ConfigLoader().file(directory)).isInstanceOf(ConfigException.class);
  }

  @Test
  @DisplayName("an empty file configures nothing")
  void emptyFile() throws Exception {
    assertThat(new ConfigLoader().file(yaml("# nothing\n")).load().listen()).isEqualTo(CustosConfig.DEFAULT_LISTEN);
  }

  @Test
  @DisplayName("access.approvals maps capabilities to approvals needed; unknown capabilities and bad counts are refused")
  void approvals() throws Exception {
    assertThat(new ConfigLoader().load().approvals().required()).isEmpty();
    CustosConfig c = new ConfigLoader().file(yaml("""
        access:
          approvals:
            kms:backup: 2
            kms:export: 3
          approval_expiry: 8h
        """)).load();
    assertThat(c.approvals().required()).hasValue(java.util.Map.of("kms:backup", 2, "kms:export", 3));
    assertThat(c.approvals().expiry()).isEqualTo(java.time.Duration.ofHours(8));
    assertThat(new ConfigLoader().environment(java.util.Map.of("CUSTOS_ACCESS_APPROVALS", "none")).load()
        .approvals().required()).hasValue(java.util.Map.of());
    assertThat(new ConfigLoader().environment(java.util.Map.of("CUSTOS_ACCESS_APPROVALS", "kms:destroy=2")).load()
        .approvals().required()).hasValue(java.util.Map.of("kms:destroy", 2));
    assertThatThrownBy(() -> new ConfigLoader().file(yaml("access:\n  approvals:\n    kms:nope: 2\n")).load())
        .isInstanceOf(ConfigException.class).hasMessageContaining("access.approvals").hasMessageContaining("kms:nope");
    assertThatThrownBy(() -> new ConfigLoader().file(yaml("access:\n  approvals:\n    kms:backup: two\n")).load())
        .isInstanceOf(ConfigException.class).hasMessageContaining("number of approvals");
    assertThatThrownBy(() -> new ConfigLoader().file(yaml("access:\n  approval_expiry: 90d\n")).load())
        .isInstanceOf(ConfigException.class).hasMessageContaining("1m to 30d");
  }
}
