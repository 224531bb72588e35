package io.custos.failure;

/** Custos cannot serve the request now (sealed, shutting down); retrying later may work. */
public final class UnavailableException extends CustosException {
  public UnavailableException(String message) {
    super("unavailable", message, null);
  }
}
