package io.custos.store;

/**
 * A store write that commits in the same transaction as the audit event recording it, so the
 * event and the change are durable together or not at all, with one commit instead of two in
 * sequence. A store makes it (e.g. {@link CertificateRecords#joinedAdd}) and the audit records
 * of the same store carry it out (see {@link AuditRecords#append(java.util.List, java.util.List)});
 * a write of another store cannot join.
 */
public interface JoinedWrite {
  /** What the write is, for errors: {@code certificate 3f2a…}. */
  String what();
}
