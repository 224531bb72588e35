package io.custos.audit;

import java.util.Objects;
import java.util.Optional;

/** What {@link LogVerifier} concluded about an exported audit log. */
public sealed interface VerificationResult {

  /**
   * Every check passed.
   *
   * @param events events read, with sequence numbers 1 to {@code events}
   * @param checkpoints checkpoints read and verified
   * @param last the last checkpoint, if there was one
   * @param unverifiedTail events after the largest verified checkpoint: their order and form were
   *     checked but no signature covers their content yet, so a change to them cannot be detected
   *     until a later checkpoint is exported
   */
  record Verified(long events, long checkpoints, Optional<Checkpoint> last, long unverifiedTail)
      implements VerificationResult {
    public Verified {
      Objects.requireNonNull(last, "last");
    }
  }

  /**
   * The first problem found; verification stopped there.
   *
   * @param firstBadSeq the first sequence number the log cannot vouch for: events before it are
   *     in order and covered by a verified checkpoint, or passed every check. A changed, removed,
   *     reordered or inserted event lies at or after it, and after every checkpoint that
   *     verified before the problem was found.
   * @param problem what is wrong and where, e.g. {@code event 5 missing (expected seq 5, found 6
   *     at line 7)}
   */
  record Failed(long firstBadSeq, String problem) implements VerificationResult {
    public Failed {
      Objects.requireNonNull(problem, "problem");
    }
  }
}
