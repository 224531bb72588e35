package io.custos.app.config;

/** A wrong configuration: names where it came from, the key and the problem. Exit code 2. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String source, String key, String problem) {
    super(source + ": '" + key + "': " + problem);
  }

  public ConfigException(String message) {
    super(message);
  }
}
