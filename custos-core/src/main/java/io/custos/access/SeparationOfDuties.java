package io.custos.access;

import io.custos.failure.PermissionDeniedException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Separation of duties (SS-002 11.3.11) as declarative rules: each is named, described and
 * decided by a pure function of the request and the would-be approver. A violation is refused
 * with the rule's name, so the refusal says which duty would have been merged.
 */
public final class SeparationOfDuties {
  public static final String CONTROL = "SS-002 11.3.11";

  /** Capabilities whose approval the key's owner may not give: the key leaves, or ends, under them. */
  public static final Set<String> OWNER_GUARDED = Set.of("kms:export", "kms:backup", "kms:destroy");

  /**
   * What a rule looks at.
   *
   * @param request the request being approved
   * @param approver the principal approving it
   * @param resourceOwner the owner of the request's resource (a key's owner), if it has one
   */
  public record Subject(ApprovalRequest request, String approver, Optional<String> resourceOwner) {
    public Subject {
      Objects.requireNonNull(request, "request");
      Objects.requireNonNull(approver, "approver");
      Objects.requireNonNull(resourceOwner, "resourceOwner");
    }
  }

  /** One rule: violated when {@code violatedBy} holds. */
  public record Rule(String name, String description, Predicate<Subject> violatedBy) {
    public Rule {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(violatedBy, "violatedBy");
    }
  }

  /** The rules, in the order they are checked. */
  public static final List<Rule> RULES = List.of(
      new Rule("requester-not-approver", "the approver of a request is not its requester",
          s -> s.approver().equals(s.request().requester())),
      new Rule("owner-not-approver-of-export",
          "a key's owner cannot approve its export, backup or destruction",
          s -> OWNER_GUARDED.contains(s.request().capability())
              && s.resourceOwner().filter(o -> o.equals(s.approver())).isPresent()));

  private SeparationOfDuties() {}

  /** The first rule {@code subject} violates, if any. */
  public static Optional<Rule> violated(Subject subject) {
    return RULES.stream().filter(r -> r.violatedBy().test(subject)).findFirst();
  }

  /** Refuses, naming the rule and the control, if {@code subject} violates a rule. */
  public static void check(Subject subject) {
    violated(subject).ifPresent(r -> {
      throw new PermissionDeniedException(CONTROL, "separation of duties rule '" + r.name() + "' (" + r.description()
          + "): '" + subject.approver() + "' may not approve request " + subject.request().id() + " ("
          + subject.request().capability() + " on " + subject.request().resource() + ")");
    });
  }
}
