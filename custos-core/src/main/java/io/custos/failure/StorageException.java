package io.custos.failure;

/**
 * The store failed or cannot be used: unreachable, not a Custos database, or written by a
 * newer Custos. The message says which, in one line.
 */
public final class StorageException extends CustosException {
  public StorageException(String message) {
    super("storage", message, null);
  }

  public StorageException(String message, Throwable cause) {
    super("storage", message, cause);
  }
}
