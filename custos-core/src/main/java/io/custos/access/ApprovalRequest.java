package io.custos.access;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A request for dual control (SS-002 11.3.11): one exact operation ({@code digest} of method,
 * path and canonical body) that {@code requester} may perform once, after {@code required}
 * distinct authorised approvers agreed and before {@code expiresAt}.
 *
 * @param id random, unguessable identifier
 * @param capability the capability that needs approval, e.g. {@code kms:backup}
 * @param resource what it is used on, e.g. {@code keys/payments}
 * @param requester the principal that asked, and the only one who may execute
 * @param operation human-readable form of the operation, e.g. {@code POST /v1/keys/payments/backup}
 * @param digest SHA-256 (hex) of the exact operation; approval covers this and nothing else
 * @param status as stored; see {@link #statusAt(Instant)} for expiry
 */
public record ApprovalRequest(
    String id,
    String capability,
    String resource,
    String requester,
    String operation,
    String digest,
    Instant createdAt,
    Instant expiresAt,
    int required,
    List<Approval> approvals,
    Optional<Denial> denial,
    Status status,
    Optional<Instant> executedAt) {

  /** Where a request is in its life. */
  public enum Status {
    PENDING, APPROVED, EXECUTED, DENIED, EXPIRED;

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Status parse(String text) {
      for (Status s : values()) {
        if (s.id().equals(text)) {
          return s;
        }
      }
      throw new io.custos.failure.InvalidInputException("unknown approval status '" + text
          + "'; one of pending, approved, executed, denied, expired");
    }
  }

  /** One approver's agreement. */
  public record Approval(String principal, Instant at) {
    public Approval {
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(at, "at");
    }
  }

  /** The denial that ended a request. */
  public record Denial(String principal, Instant at, String reason) {
    public Denial {
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(reason, "reason");
    }
  }

  public ApprovalRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(capability, "capability");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(requester, "requester");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    approvals = List.copyOf(approvals);
    Objects.requireNonNull(denial, "denial");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(executedAt, "executedAt");
  }

  /** The status at {@code now}: a pending or approved request past its expiry is expired. */
  public Status statusAt(Instant now) {
    if ((status == Status.PENDING || status == Status.APPROVED) && !now.isBefore(expiresAt)) {
      return Status.EXPIRED;
    }
    return status;
  }

  /** Whether {@code principal} has already approved. */
  public boolean approvedBy(String principal) {
    return approvals.stream().anyMatch(a -> a.principal().equals(principal));
  }

  ApprovalRequest with(List<Approval> approvals, Optional<Denial> denial, Status status, Optional<Instant> executedAt) {
    return new ApprovalRequest(id, capability, resource, requester, operation, digest, createdAt, expiresAt, required,
        approvals, denial, status, executedAt);
  }
}
