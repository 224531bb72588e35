package io.custos.app;

/** The command was given something unusable (a bad address, an unreadable file). Exit code 2. */
final class UsageFailure extends RuntimeException {
  UsageFailure(String message) {
    super(message);
  }
}
