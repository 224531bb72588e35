package io.custos.server;

/** The server could not start; the message is one line for the operator (port in use, bad TLS files). */
public final class ServerStartException extends RuntimeException {
  public ServerStartException(String message) {
    super(message);
  }

  public ServerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
