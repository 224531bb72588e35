package io.custos.app.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.custos.failure.InvalidInputException;
import io.custos.store.StorageUrl;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Merges the configuration: defaults, then the YAML file, then {@code CUSTOS_*} environment
 * variables, then command-line flags; later sources win. Unknown keys and bad values stop
 * start-up with a {@link ConfigException} naming the source, the key and the problem.
 */
public final class ConfigLoader {
  static final long MAX_FILE_BYTES = 1024 * 1024;

  /** Every key the file may hold (dotted for nesting), and the variable that overrides it. */
  static final Map<String, String> KEYS_TO_ENV = orderedMap(
      "data_dir", "CUSTOS_DATA_DIR",
      "listen", "CUSTOS_LISTEN",
      "tls.cert", "CUSTOS_TLS_CERT",
      "tls.key", "CUSTOS_TLS_KEY",
      "tls.allow_tls12", "CUSTOS_TLS_ALLOW_TLS12",
      "storage", "CUSTOS_STORAGE",
      "log.format", "CUSTOS_LOG_FORMAT",
      "log.level", "CUSTOS_LOG_LEVEL",
      "limits.max_request_bytes", "CUSTOS_MAX_REQUEST_BYTES",
      "limits.idle_timeout", "CUSTOS_IDLE_TIMEOUT",
      "limits.per_address", "CUSTOS_LIMIT_PER_ADDRESS",
      "limits.per_principal", "CUSTOS_LIMIT_PER_PRINCIPAL",
      "audit.file", "CUSTOS_AUDIT_FILE",
      "audit.syslog", "CUSTOS_AUDIT_SYSLOG",
      "audit.syslog_ca", "CUSTOS_AUDIT_SYSLOG_CA",
      "audit.checkpoint_every", "CUSTOS_AUDIT_CHECKPOINT_EVERY",
      "audit.checkpoint_interval", "CUSTOS_AUDIT_CHECKPOINT_INTERVAL",
      "monitor.rate_factor", "CUSTOS_MONITOR_RATE_FACTOR",
      "monitor.rate_min_count", "CUSTOS_MONITOR_RATE_MIN_COUNT",
      "monitor.denial_burst", "CUSTOS_MONITOR_DENIAL_BURST",
      "monitor.bulk_decrypt", "CUSTOS_MONITOR_BULK_DECRYPT",
      "monitor.kek_prefix", "CUSTOS_MONITOR_KEK_PREFIX",
      "kms.provider", "CUSTOS_KMS_PROVIDER",
      "kms.approved_algorithms", "CUSTOS_KMS_APPROVED_ALGORITHMS",
      "access.approvals", "CUSTOS_ACCESS_APPROVALS",
      "access.approval_expiry", "CUSTOS_ACCESS_APPROVAL_EXPIRY",
      "ca.base_url", "CUSTOS_CA_BASE_URL",
      "ca.expiry_horizons", "CUSTOS_CA_EXPIRY_HORIZONS",
      "ca.expiry_webhook", "CUSTOS_CA_EXPIRY_WEBHOOK",
      "ca.profiles", "CUSTOS_CA_PROFILES",
      "ca.ocsp.validity", "CUSTOS_CA_OCSP_VALIDITY",
      "ca.ocsp.responder_validity", "CUSTOS_CA_OCSP_RESPONDER_VALIDITY",
      "ca.ocsp.nonce", "CUSTOS_CA_OCSP_NONCE",
      "ca.ocsp.cache_entries", "CUSTOS_CA_OCSP_CACHE_ENTRIES",
      "ca.ocsp.presign_per_pass", "CUSTOS_CA_OCSP_PRESIGN_PER_PASS",
      "ca.crl_next_update", "CUSTOS_CA_CRL_NEXT_UPDATE",
      "ca.crl_regenerate_every", "CUSTOS_CA_CRL_REGENERATE_EVERY",
      "compromise.availability_first", "CUSTOS_COMPROMISE_AVAILABILITY_FIRST",
      "compromise.contacts", "CUSTOS_COMPROMISE_CONTACTS");
  private static final Set<String> SECTIONS = Set.of("tls", "log", "limits", "audit", "monitor", "kms", "access", "ca",
      "compromise");
  private static final Set<String> PROVIDERS = Set.of("auto", "accp", "jdk");
  private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  private static final ObjectMapper YAML;

  static {
    LoaderOptions limits = new LoaderOptions();
    limits.setMaxAliasesForCollections(10);
    limits.setNestingDepthLimit(10);
    limits.setCodePointLimit((int) MAX_FILE_BYTES);
    limits.setAllowDuplicateKeys(false);
    YAML = new ObjectMapper(YAMLFactory.builder().loaderOptions(limits).build());
    YAML.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  }

  private record Value(String text, String source) {}

  private final Map<String, Value> values = new LinkedHashMap<>();

  /** Reads the YAML file; a missing, unreadable or malformed file is a ConfigException. */
  public ConfigLoader file(Path file) {
    String source = "config " + file;
    String text;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new ConfigException(source + ": file is larger than " + MAX_FILE_BYTES + " bytes");
      }
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(source + ": file does not exist");
    } catch (AccessDeniedException e) {
      throw new ConfigException(source + ": file cannot be read: permission denied");
    } catch (IOException e) {
      throw new ConfigException(source + ": file cannot be read: " + e.getMessage());
    }
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source + ": not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return this; // an empty file configures nothing
    }
    if (!root.isObject()) {
      throw new ConfigException(source + ": the top level must be a mapping of keys to values");
    }
    flatten(root, "", source);
    return this;
  }

  private void flatten(JsonNode node, String prefix, String source) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix + e.getKey();
      JsonNode v = e.getValue();
      if ((prefix.isEmpty() && SECTIONS.contains(key)) || key.equals("ca.ocsp")) {
        if (!v.isObject()) {
          throw new ConfigException(source, key, "must be a mapping with keys such as " + key + "."
              + firstKeyOf(key));
        }
        flatten(v, key + ".", source);
        continue;
      }
      if (!KEYS_TO_ENV.containsKey(key)) {
        throw new ConfigException(source, key, "unknown key; known keys are " + String.join(", ", KEYS_TO_ENV.keySet()));
      }
      if (key.equals("kms.approved_algorithms") && v.isArray()) {
        java.util.List<String> items = new java.util.ArrayList<>();
        for (JsonNode item : v) {
          if (!item.isValueNode() || item.isNull()) {
            throw new ConfigException(source, key, "must be a list of algorithm names");
          }
          items.add(item.asText());
        }
        values.put(key, new Value(String.join(",", items), source));
        continue;
      }
      if (key.equals("ca.profiles")) {
        if (!v.isArray()) {
          throw new ConfigException(source, key, "must be a list of profiles, each with a name (see docs/profiles.md)");
        }
        try {
          values.put(key, new Value(YAML.writeValueAsString(v), source));
        } catch (JsonProcessingException unreadable) {
          throw new ConfigException(source, key, "cannot be read: " + unreadable.getOriginalMessage());
        }
        continue;
      }
      if (key.startsWith("compromise.") && v.isArray()) {
        // Lists of names or contacts; a contact may hold commas, so items are joined with ';'.
        java.util.List<String> items = new java.util.ArrayList<>();
        for (JsonNode item : v) {
          if (!item.isValueNode() || item.isNull() || item.asText().contains(";")) {
            throw new ConfigException(source, key, "must be a list of texts without ';'");
          }
          items.add(item.asText());
        }
        values.put(key, new Value(String.join(";", items), source));
        continue;
      }
      if (key.equals("access.approvals") && v.isObject()) {
        java.util.List<String> items = new java.util.ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> a = v.fields(); a.hasNext(); ) {
          Map.Entry<String, JsonNode> item = a.next();
          if (!item.getValue().isValueNode() || item.getValue().isNull()) {
            throw new ConfigException(source, key, "must map capabilities to numbers of approvals, e.g. kms:backup: 2");
          }
          items.add(item.getKey() + "=" + item.getValue().asText());
        }
        values.put(key, new Value(items.isEmpty() ? "none" : String.join(",", items), source));
        continue;
      }
      if (!v.isValueNode() || v.isNull()) {
        throw new ConfigException(source, key, "must be a single value");
      }
      values.put(key, new Value(v.asText(), source));
    }
  }

  private static String firstKeyOf(String section) {
    return KEYS_TO_ENV.keySet().stream().filter(k -> k.startsWith(section + "."))
        .map(k -> k.substring(section.length() + 1)).findFirst().orElse("key");
  }

  /** Applies the {@code CUSTOS_*} variables that name configuration keys; others are ignored. */
  public ConfigLoader environment(Map<String, String> env) {
    KEYS_TO_ENV.forEach((key, var) -> {
      String v = env.get(var);
      if (v != null) {
        values.put(key, new Value(v, "environment " + var));
      }
    });
    return this;
  }

  /** A command-line flag, e.g. {@code flag("listen", "--listen", value)}; null means not given. */
  public ConfigLoader flag(String key, String flag, String value) {
    if (!KEYS_TO_ENV.containsKey(key)) {
      throw new IllegalArgumentException("no configuration key " + key);
    }
    if (value != null) {
      values.put(key, new Value(value, "option " + flag));
    }
    return this;
  }

  public CustosConfig load() {
    Path dataDir = get("data_dir").map(v -> path(v, "data_dir")).orElse(CustosConfig.DEFAULT_DATA_DIR);
    HostPort listen = get("listen").map(v -> {
      try {
        return HostPort.parse(v.text());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(v.source(), "listen", e.getMessage());
      }
    }).orElse(CustosConfig.DEFAULT_LISTEN);
    Optional<Path> cert = get("tls.cert").map(v -> path(v, "tls.cert"));
    Optional<Path> key = get("tls.key").map(v -> path(v, "tls.key"));
    if (cert.isPresent() != key.isPresent()) {
      String missing = cert.isPresent() ? "tls.key" : "tls.cert";
      Value given = get(cert.isPresent() ? "tls.cert" : "tls.key").orElseThrow();
      throw new ConfigException(given.source(), missing, "is required when " + (cert.isPresent() ? "tls.cert" : "tls.key") + " is set");
    }
    Optional<StorageUrl> storage = get("storage").map(v -> {
      try {
        return StorageUrl.parse(v.text());
      } catch (InvalidInputException e) {
        throw new ConfigException(v.source(), "storage", e.getMessage());
      }
    });
    CustosConfig.LogFormat format = get("log.format").map(v -> switch (v.text().toLowerCase(Locale.ROOT)) {
      case "plain" -> CustosConfig.LogFormat.PLAIN;
      case "json" -> CustosConfig.LogFormat.JSON;
      default -> throw new ConfigException(v.source(), "log.format", "must be plain or json, got '" + v.text() + "'");
    }).orElse(CustosConfig.LogFormat.PLAIN);
    String level = get("log.level").map(v -> {
      String l = v.text().toLowerCase(Locale.ROOT);
      if (!LEVELS.contains(l)) {
        throw new ConfigException(v.source(), "log.level", "must be one of trace, debug, info, warn, error; got '" + v.text() + "'");
      }
      return l;
    }).orElse("info");
    long maxBody = get("limits.max_request_bytes").map(v -> bytes(v, "limits.max_request_bytes")).orElse(2L * 1024 * 1024); // a 1 MiB key-service payload in base64 fits
    Duration idle = get("limits.idle_timeout").map(v -> duration(v, "limits.idle_timeout")).orElse(Duration.ofSeconds(30));
    Optional<Path> auditFile = get("audit.file").map(v -> path(v, "audit.file"));
    Optional<HostPort> syslog = get("audit.syslog").map(v -> {
      try {
        return HostPort.parse(v.text());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(v.source(), "audit.syslog", e.getMessage());
      }
    });
    Optional<Path> syslogCa = get("audit.syslog_ca").map(v -> path(v, "audit.syslog_ca"));
    if (syslogCa.isPresent() && syslog.isEmpty()) {
      throw new ConfigException(get("audit.syslog_ca").get().source(), "audit.syslog", "is required when audit.syslog_ca is set");
    }
    int every = get("audit.checkpoint_every").map(v -> {
      try {
        int n = Integer.parseInt(v.text().trim());
        if (n >= 1 && n <= 1_000_000) {
          return n;
        }
      } catch (NumberFormatException e) {
        // refused below
      }
      throw new ConfigException(v.source(), "audit.checkpoint_every", "must be a whole number from 1 to 1000000; got '" + v.text() + "'");
    }).orElse(1000);
    Duration interval = get("audit.checkpoint_interval").map(v -> duration(v, "audit.checkpoint_interval"))
        .orElse(Duration.ofSeconds(10));
    String provider = get("kms.provider").map(v -> {
      String p = v.text().trim().toLowerCase(Locale.ROOT);
      if (!PROVIDERS.contains(p)) {
        throw new ConfigException(v.source(), "kms.provider", "must be auto, accp or jdk; got '" + v.text() + "'");
      }
      return p;
    }).orElse("auto");
    java.util.List<String> approved = get("kms.approved_algorithms").map(v -> {
      java.util.List<String> names = java.util.Arrays.stream(v.text().split(","))
          .map(String::trim).filter(n -> !n.isEmpty()).map(n -> n.toLowerCase(Locale.ROOT)).toList();
      if (names.isEmpty()) {
        throw new ConfigException(v.source(), "kms.approved_algorithms", "must name at least one algorithm");
      }
      try {
        io.custos.kms.AlgorithmPolicy.only(names);
      } catch (io.custos.failure.CustosException e) {
        throw new ConfigException(v.source(), "kms.approved_algorithms", e.getMessage());
      }
      return names;
    }).orElse(java.util.List.of());
    io.custos.server.RateLimits limits = io.custos.server.RateLimits.defaults()
        .withPerAddress(get("limits.per_address").map(v -> rate(v, "limits.per_address"))
            .orElse(io.custos.server.RateLimits.DEFAULT_PER_ADDRESS))
        .withPerPrincipal(get("limits.per_principal").map(v -> rate(v, "limits.per_principal"))
            .orElse(io.custos.server.RateLimits.DEFAULT_PER_PRINCIPAL));
    boolean allowTls12 = get("tls.allow_tls12").map(v -> switch (v.text().trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new ConfigException(v.source(), "tls.allow_tls12", "must be true or false; got '" + v.text() + "'");
    }).orElse(false);
    return new CustosConfig(dataDir, listen, cert, key, storage, format, level, maxBody, idle,
        auditFile, syslog, syslogCa, every, interval, monitor(), provider, approved, approvals(), limits, allowTls12,
        get("ca.base_url").map(v -> v.text().trim()).filter(t -> !t.isEmpty()), expiryHorizons(), expiryWebhook(),
        caProfiles(), ocsp(), crl(), semicolonList("compromise.availability_first"),
        semicolonList("compromise.contacts"));
  }

  /**
   * {@code ca.profiles}: a list of custom profiles, each a mapping with {@code name} and the keys of
   * {@link io.custos.ca.ProfileDocument}; every problem of every profile is reported with its control.
   * From the environment, {@code CUSTOS_CA_PROFILES} holds the same list as JSON.
   */
  @SuppressWarnings("unchecked")
  private java.util.List<io.custos.x509.Profile> caProfiles() {
    return get("ca.profiles").map(v -> {
      JsonNode list;
      try {
        list = YAML.readTree(v.text());
      } catch (JsonProcessingException e) {
        throw new ConfigException(v.source(), "ca.profiles", "is not a list of profiles: " + e.getOriginalMessage());
      }
      if (list == null || !list.isArray()) {
        throw new ConfigException(v.source(), "ca.profiles", "must be a list of profiles, each with a name");
      }
      java.util.List<io.custos.x509.Profile> out = new java.util.ArrayList<>();
      java.util.Set<String> names = new java.util.HashSet<>();
      java.util.Set<String> builtIn = new java.util.HashSet<>();
      io.custos.x509.Profile.builtIn().forEach(p -> builtIn.add(p.name()));
      java.util.List<String> problems = new java.util.ArrayList<>();
      int i = 0;
      for (JsonNode item : list) {
        String where = "ca.profiles[" + i++ + "]";
        if (!item.isObject() || !item.hasNonNull("name") || !item.get("name").isTextual()) {
          problems.add(where + ": each profile is a mapping with a name");
          continue;
        }
        String name = item.get("name").asText();
        where = where + " (" + name + ")";
        if (builtIn.contains(name)) {
          problems.add(where + ": SS-002 11.1.6: " + name + " is a built-in profile and cannot be redefined");
          continue;
        }
        if (!names.add(name)) {
          problems.add(where + ": profile " + name + " is defined twice");
          continue;
        }
        java.util.Map<String, Object> doc = YAML.convertValue(item, java.util.Map.class);
        doc.remove("name");
        try {
          out.add(io.custos.ca.ProfileDocument.parse(name, doc));
        } catch (io.custos.failure.CustosException e) {
          problems.add(where + ": " + e.getMessage());
        }
      }
      if (!problems.isEmpty()) {
        throw new ConfigException(v.source(), "ca.profiles", String.join("; ", problems));
      }
      return out;
    }).orElse(java.util.List.of());
  }

  /**
   * {@code ca.ocsp.*}: the OCSP responder (validity 1m–7d, responder 4× that up to 90d, nonce, cache entries,
   * pre-signing budget per refresh pass).
   */
  private io.custos.ca.OcspResponder.Settings ocsp() {
    io.custos.ca.OcspResponder.Settings d = io.custos.ca.OcspResponder.Settings.defaults();
    Duration validity = get("ca.ocsp.validity").map(v -> caDuration(v, "ca.ocsp.validity")).orElse(d.responseValidity());
    Duration responder = get("ca.ocsp.responder_validity").map(v -> caDuration(v, "ca.ocsp.responder_validity"))
        .orElse(d.responderValidity());
    boolean nonce = get("ca.ocsp.nonce").map(v -> switch (v.text().trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new ConfigException(v.source(), "ca.ocsp.nonce", "must be true or false; got '" + v.text() + "'");
    }).orElse(d.nonce());
    int entries = get("ca.ocsp.cache_entries").map(v -> {
      try {
        return Integer.parseInt(v.text().trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(v.source(), "ca.ocsp.cache_entries", "must be a whole number; got '" + v.text() + "'");
      }
    }).orElse(d.cacheEntries());
    int presign = get("ca.ocsp.presign_per_pass").map(v -> {
      try {
        return Integer.parseInt(v.text().trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(v.source(), "ca.ocsp.presign_per_pass", "must be a whole number; got '" + v.text()
            + "'");
      }
    }).orElse(d.presignPerPass());
    try {
      return new io.custos.ca.OcspResponder.Settings(validity, responder, d.responderAlgorithm(), nonce, entries,
          d.maxCertIds(), d.signsPerSecond(), d.nonceSignsPerSecond(), presign);
    } catch (io.custos.failure.InvalidInputException e) {
      Value v = get("ca.ocsp.validity").or(() -> get("ca.ocsp.responder_validity"))
          .or(() -> get("ca.ocsp.cache_entries")).or(() -> get("ca.ocsp.presign_per_pass")).orElseThrow();
      throw new ConfigException(v.source(), "ca.ocsp", e.getMessage());
    }
  }

  private static Duration caDuration(Value v, String key) {
    try {
      return io.custos.kms.Cryptoperiod.parseDuration(v.text(), key);
    } catch (io.custos.failure.InvalidInputException e) {
      throw new ConfigException(v.source(), key, e.getMessage());
    }
  }

  /** {@code ca.crl_next_update} (default 24h) and {@code ca.crl_regenerate_every} (default 6h), SS-002 11.6.4. */
  private io.custos.ca.CrlPublisher.Settings crl() {
    io.custos.ca.CrlPublisher.Settings d = io.custos.ca.CrlPublisher.Settings.DEFAULTS;
    Optional<Value> next = get("ca.crl_next_update");
    Optional<Value> every = get("ca.crl_regenerate_every");
    Duration nextUpdate = next.map(v -> longDuration(v, "ca.crl_next_update")).orElse(d.nextUpdate());
    Duration regenerate = every.map(v -> longDuration(v, "ca.crl_regenerate_every")).orElse(d.regenerateEvery());
    try {
      return new io.custos.ca.CrlPublisher.Settings(nextUpdate, regenerate, d.coalesce());
    } catch (io.custos.failure.InvalidInputException e) {
      Value v = every.or(() -> next).orElseThrow();
      throw new ConfigException(v.source(), every.isPresent() ? "ca.crl_regenerate_every" : "ca.crl_next_update",
          e.getMessage());
    }
  }

  /** A list given as a YAML list, or as one text with items separated by ';' (environment, flags). */
  private java.util.List<String> semicolonList(String key) {
    return get(key).map(v -> java.util.Arrays.stream(v.text().split(";")).map(String::trim).filter(t -> !t.isEmpty())
        .toList()).orElse(java.util.List.of());
  }

  /** {@code ca.expiry_horizons}: {@code 30d,7d,1d} (days, hours or minutes). */
  private java.util.List<Duration> expiryHorizons() {
    return get("ca.expiry_horizons").map(v -> {
      try {
        return io.custos.ca.ExpiryWatch.parseHorizons(v.text());
      } catch (io.custos.failure.InvalidInputException e) {
        throw new ConfigException(v.source(), "ca.expiry_horizons", e.getMessage());
      }
    }).orElse(io.custos.ca.ExpiryWatch.DEFAULT_HORIZONS);
  }

  /** {@code ca.expiry_webhook}: an http(s) URL to POST expiry alerts to. */
  private Optional<java.net.URI> expiryWebhook() {
    return get("ca.expiry_webhook").filter(v -> !v.text().isBlank()).map(v -> {
      try {
        java.net.URI uri = new java.net.URI(v.text().trim());
        if (uri.getScheme() == null || !Set.of("http", "https").contains(uri.getScheme().toLowerCase(java.util.Locale.ROOT))
            || uri.getHost() == null) {
          throw new java.net.URISyntaxException(v.text(), "not an http or https URL");
        }
        return uri;
      } catch (java.net.URISyntaxException e) {
        throw new ConfigException(v.source(), "ca.expiry_webhook", "must be an http(s) URL; got '" + v.text() + "'");
      }
    });
  }

  /**
   * Dual control: {@code access.approvals} maps capabilities to approvals needed
   * ({@code kms:backup=2,kms:export=2} in CUSTOS_ACCESS_APPROVALS; {@code none} for none), and
   * {@code access.approval_expiry} is how long a request lives (1m to 30d, default 24h).
   */
  private CustosConfig.Approvals approvals() {
    Optional<Map<String, Integer>> required = get("access.approvals").map(v -> {
      Map<String, Integer> m = new LinkedHashMap<>();
      String t = v.text().trim();
      if (t.equalsIgnoreCase("none") || t.isEmpty()) {
        return m;
      }
      for (String item : t.split(",")) {
        String[] kv = item.trim().split("=", 2);
        if (kv.length != 2) {
          throw new ConfigException(v.source(), "access.approvals", "must map capabilities to numbers of approvals, "
              + "e.g. kms:backup=2; got '" + item.trim() + "'");
        }
        String cap = kv[0].trim();
        int n;
        try {
          n = Integer.parseInt(kv[1].trim());
        } catch (NumberFormatException e) {
          throw new ConfigException(v.source(), "access.approvals", cap + " must be a number of approvals, got '"
              + kv[1].trim() + "'");
        }
        m.put(cap, n);
      }
      return m;
    });
    Duration expiry = get("access.approval_expiry").map(v -> longDuration(v, "access.approval_expiry"))
        .orElse(io.custos.access.Approvals.DEFAULT_EXPIRY);
    try {
      new io.custos.access.Approvals.Settings(required.orElse(Map.of()), expiry);
    } catch (InvalidInputException e) {
      Value v = get("access.approvals").or(() -> get("access.approval_expiry")).orElseThrow();
      throw new ConfigException(v.source(), "access.approvals", e.getMessage());
    }
    return new CustosConfig.Approvals(required, expiry);
  }

  private static final Pattern LONG_DURATION = Pattern.compile("(\\d{1,6})(m|h|d)");

  /** 30m, 24h, 7d or ISO-8601 (PT24H, P7D); 1m to 30d. */
  private static Duration longDuration(Value v, String key) {
    String t = v.text().trim();
    Duration d;
    Matcher m = LONG_DURATION.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d = switch (m.group(2)) {
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    } else {
      try {
        d = Duration.parse(t);
      } catch (DateTimeParseException e) {
        throw new ConfigException(v.source(), key, "must be a duration such as 30m, 24h, 7d or PT24H; got '" + v.text() + "'");
      }
    }
    if (d.compareTo(Duration.ofMinutes(1)) < 0 || d.compareTo(Duration.ofDays(30)) > 0) {
      throw new ConfigException(v.source(), key, "must be from 1m to 30d; got '" + v.text() + "'");
    }
    return d;
  }

  private static final Pattern RATE = Pattern.compile("(\\d{1,7}(?:\\.\\d{1,3})?)\\s*/\\s*s(?:\\s+burst\\s+(\\d{1,9}))?",
      Pattern.CASE_INSENSITIVE);

  /** {@code 200/s burst 400}, {@code 200/s} (burst twice the rate) or {@code off}. */
  static io.custos.server.RateLimits.Rate rate(Value v, String key) {
    String t = v.text().trim();
    if (t.equalsIgnoreCase("off")) {
      return io.custos.server.RateLimits.Rate.OFF;
    }
    Matcher m = RATE.matcher(t);
    if (m.matches()) {
      double r = Double.parseDouble(m.group(1));
      long burst = m.group(2) != null ? Long.parseLong(m.group(2)) : Math.max(1, (long) Math.ceil(2 * r));
      if (r >= 0.001 && burst >= 1 && burst <= 100_000_000) {
        return new io.custos.server.RateLimits.Rate(r, (int) burst);
      }
    }
    throw new ConfigException(v.source(), key, "must be a rate such as 200/s, 200/s burst 400, or off; got '"
        + v.text() + "'");
  }

  /** Anomaly thresholds (SS-002 11.3.14, 11.4.4); everything else keeps its documented default. */
  private io.custos.monitor.MonitorSettings monitor() {
    var m = io.custos.monitor.MonitorSettings.defaults();
    var rate = m.rate();
    double factor = get("monitor.rate_factor").map(v -> number(v, "monitor.rate_factor", 1.5, 1000)).orElse(rate.factor());
    int minCount = get("monitor.rate_min_count").map(v -> (int) number(v, "monitor.rate_min_count", 1, 1_000_000))
        .orElse(rate.minCount());
    m = m.with(new io.custos.monitor.MonitorSettings.Rate(rate.window(), rate.alpha(), rate.warmUpWindows(), factor,
        minCount, rate.coolDown()));
    var d = m.denials();
    int burst = get("monitor.denial_burst").map(v -> (int) number(v, "monitor.denial_burst", 2, 100_000)).orElse(d.threshold());
    m = m.with(new io.custos.monitor.MonitorSettings.Denials(burst, d.window(), d.coolDown()));
    var b = m.bulkDecrypt();
    int bulk = get("monitor.bulk_decrypt").map(v -> (int) number(v, "monitor.bulk_decrypt", 2, 10_000_000)).orElse(b.threshold());
    m = m.with(new io.custos.monitor.MonitorSettings.BulkDecrypt(b.actions(), bulk, b.window(), b.coolDown()));
    Optional<String> kek = get("monitor.kek_prefix").map(Value::text);
    if (kek.isPresent()) {
      var r = m.resources();
      try {
        m = m.with(new io.custos.monitor.MonitorSettings.Resources(r.keyPrefixes(), java.util.List.of(kek.get()), r.kekActions()));
      } catch (InvalidInputException e) {
        throw new ConfigException(get("monitor.kek_prefix").get().source(), "monitor.kek_prefix", e.getMessage());
      }
    }
    return m;
  }

  private static double number(Value v, String key, double min, double max) {
    try {
      double n = Double.parseDouble(v.text().trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new ConfigException(v.source(), key, "must be a number from " + (long) min + " to " + (long) max + "; got '" + v.text() + "'");
  }

  private Optional<Value> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  private static Path path(Value v, String key) {
    if (v.text().isBlank()) {
      throw new ConfigException(v.source(), key, "must be a path, got nothing");
    }
    try {
      return Path.of(v.text());
    } catch (InvalidPathException e) {
      throw new ConfigException(v.source(), key, "is not a valid path: " + e.getReason());
    }
  }

  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB)?");

  private static long bytes(Value v, String key) {
    Matcher m = SIZE.matcher(v.text().trim());
    if (!m.matches()) {
      throw new ConfigException(v.source(), key, "must be a size in bytes, e.g. 1048576 or 1MiB; got '" + v.text() + "'");
    }
    long n = Long.parseLong(m.group(1));
    long size = switch (m.group(2) == null ? "B" : m.group(2)) {
      case "KiB" -> n * 1024;
      case "MiB" -> n * 1024 * 1024;
      default -> n;
    };
    if (size < 1024 || size > 64L * 1024 * 1024) {
      throw new ConfigException(v.source(), key, "must be from 1KiB to 64MiB; got '" + v.text() + "'");
    }
    return size;
  }

  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  static Duration duration(Value v, String key) {
    String t = v.text().trim();
    Duration d;
    Matcher m = SIMPLE_DURATION.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    } else {
      try {
        d = Duration.parse(t);
      } catch (DateTimeParseException e) {
        throw new ConfigException(v.source(), key, "must be a duration such as 30s, 5m or PT30S; got '" + v.text() + "'");
      }
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofHours(1)) > 0) {
      throw new ConfigException(v.source(), key, "must be from 1s to 1h; got '" + v.text() + "'");
    }
    return d;
  }

  private static Map<String, String> orderedMap(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(m);
  }
}
