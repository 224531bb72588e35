package io.custos.app;

/** A client command could not do its job (server unreachable, unexpected answer). Exit code 1. */
final class ClientFailure extends RuntimeException {
  ClientFailure(String message) {
    super(message);
  }
}
