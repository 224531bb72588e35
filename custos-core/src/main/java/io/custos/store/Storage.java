package io.custos.store;

/**
 * The front door to persistent state. The core owns this port; adapters (SQLite, PostgreSQL)
 * implement it. Storage is untrusted by contract: anything secret reaches it only after
 * passing the barrier.
 */
public interface Storage extends AutoCloseable {

  /** Which adapter serves this store, e.g. {@code sqlite}. */
  String kind();

  /** The migration version the schema is at. */
  int schemaVersion();

  /** The identity of this Custos installation, created with the store. */
  InstanceRecord instance();

  /** Opaque, versioned records (the barrier writes its ciphertexts here). */
  RecordStore records();

  /** The audit log's events, checkpoints and sink cursors. */
  AuditRecords audit();

  /** The certificate inventory and the index of certified keys. */
  CertificateRecords certificates();

  /** Cheap round trip to the database; throws {@link io.custos.failure.StorageException} if it fails. */
  void ping();

  /** Releases connections; idempotent. */
  @Override
  void close();
}
