package io.custos.access;

/** People and machines: both own keys and certificates; only people enrol a second factor. */
public enum PrincipalKind {
  PERSON,
  MACHINE;

  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static PrincipalKind parse(String text) {
    for (PrincipalKind k : values()) {
      if (k.id().equals(text)) {
        return k;
      }
    }
    throw new io.custos.failure.InvalidInputException("principal kind must be person or machine, got '" + text + "'");
  }
}
