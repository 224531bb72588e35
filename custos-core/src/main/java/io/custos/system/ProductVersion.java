package io.custos.system;

import java.util.Objects;

/** The release of Custos and the source commit it was built from. */
public record ProductVersion(String version, String commit) {
  public ProductVersion {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(commit, "commit");
  }

  @Override
  public String toString() {
    return "Custos " + version + " (" + commit + ")";
  }
}
