/**
 * The tamper-evident audit log (SS-002 11.7.1): every operation appends one {@link
 * io.custos.audit.AuditEvent}; its canonical encoding ({@link io.custos.audit.EventCodec}) is a
 * leaf of an RFC 9162 Merkle tree ({@link io.custos.audit.MerkleTree}); signed {@link
 * io.custos.audit.Checkpoint}s (C2SP signed notes, Ed25519) commit to the tree at a size; and
 * {@link io.custos.audit.LogVerifier} recomputes everything from an export and the public key.
 *
 * <p>This package is pure: no storage, no clock, no network. {@code docs/audit-format.md}
 * specifies the formats for verifiers written outside Custos.
 */
package io.custos.audit;
