package io.custos.app;

import io.custos.system.ProductVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The release and commit stamped into the jar at build time. */
final class VersionInfo implements CommandLine.IVersionProvider {
  static final ProductVersion CURRENT = read();

  private static ProductVersion read() {
    Properties p = new Properties();
    try (InputStream in = VersionInfo.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to "unknown"
    }
    String version = known(p.getProperty("version"));
    String commit = known(p.getProperty("commit"));
    if ("true".equals(p.getProperty("dirty")) && !commit.equals("unknown")) {
      commit += "-dirty";
    }
    return new ProductVersion(version, commit);
  }

  private static String known(String v) {
    return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"custos " + CURRENT.version() + " (commit " + CURRENT.commit() + ")",
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
  }
}
