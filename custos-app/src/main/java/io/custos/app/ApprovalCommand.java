package io.custos.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "approval", mixinStandardHelpOptions = true,
    description = {"Dual control (SS-002 11.3.11) on the server at CUSTOS_ADDR: sensitive operations (key export,",
        "backup and destroy, policy and role changes, CA creation, trust-store import and export) wait for M",
        "distinct approvers. The command that asked prints \"approval requested: ID\"; approvers approve or deny;",
        "the requester then runs the same command again with --approval ID, once."},
    subcommands = {ApprovalCommand.ListApprovals.class, ApprovalCommand.Show.class, ApprovalCommand.Approve.class,
        ApprovalCommand.Deny.class})
final class ApprovalCommand {
  @ParentCommand CustosCommand root;

  /** {@code --approval ID}: for commands whose operation may need approvals. */
  static final class Option {
    @picocli.CommandLine.Option(names = "--approval", paramLabel = "ID",
        description = "Run the operation under this approved request (it must be the same operation).")
    String approval;

    Optional<String> id() {
      return Optional.ofNullable(approval).map(String::trim).filter(s -> !s.isEmpty());
    }
  }

  static String path(String id, String verb) {
    return "/v1/approvals/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + (verb.isEmpty() ? "" : "/" + verb);
  }

  static void print(Output output, CommandSpec spec, JsonNode r) {
    List<Map.Entry<String, String>> rows = new ArrayList<>();
    rows.add(Map.entry("Id", r.path("id").asText()));
    rows.add(Map.entry("Status", r.path("status").asText()));
    rows.add(Map.entry("Capability", r.path("capability").asText()));
    rows.add(Map.entry("Resource", r.path("resource").asText()));
    rows.add(Map.entry("Operation", r.path("operation").asText()));
    rows.add(Map.entry("Requester", r.path("requester").asText()));
    rows.add(Map.entry("Approvals", approvers(r) + " (" + r.path("approvals").size() + " of " + r.path("required").asInt() + ")"));
    if (r.hasNonNull("denied_by")) {
      rows.add(Map.entry("Denied by", r.path("denied_by").asText() + " at " + r.path("denied_at").asText() + ": "
          + r.path("reason").asText()));
    }
    rows.add(Map.entry("Created", r.path("created_at").asText()));
    rows.add(Map.entry("Expires", r.path("expires_at").asText()));
    rows.add(Map.entry("Executed", KeyCommand.text(r, "executed_at", "-")));
    output.keyValues(spec.commandLine().getOut(), r, rows);
  }

  private static String approvers(JsonNode r) {
    List<String> names = new ArrayList<>();
    r.path("approvals").forEach(a -> names.add(a.path("principal").asText()));
    return names.isEmpty() ? "-" : String.join(", ", names);
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Approval requests, newest first; --output table, json or csv.")
  static final class ListApprovals implements Callable<Integer> {
    @ParentCommand ApprovalCommand approval;
    @Spec CommandSpec spec;
    @picocli.CommandLine.Option(names = "--status", paramLabel = "STATUS",
        description = "Only pending, approved, executed, denied or expired.") String status;

    @Override
    public Integer call() throws IOException {
      JsonNode list = KeyCommand.get("/v1/approvals" + (status == null ? ""
          : "?status=" + URLEncoder.encode(status, StandardCharsets.UTF_8))).get("approvals");
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode r : list) {
        rows.add(List.of(r.path("id").asText(), r.path("status").asText(), r.path("capability").asText(),
            r.path("resource").asText(), r.path("requester").asText(),
            r.path("approvals").size() + "/" + r.path("required").asInt(), r.path("expires_at").asText()));
      }
      approval.root.output.list(spec.commandLine().getOut(), list,
          List.of("Id", "Status", "Capability", "Resource", "Requester", "Approvals", "Expires"), rows);
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One approval request.")
  static final class Show implements Callable<Integer> {
    @ParentCommand ApprovalCommand approval;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() throws IOException {
      print(approval.root.output, spec, KeyCommand.get(path(id, "")));
      return 0;
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = "Approve a pending request (not your own, nor an export, backup or destroy of a key you own).")
  static final class Approve implements Callable<Integer> {
    @ParentCommand ApprovalCommand approval;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() throws IOException {
      JsonNode r = KeyCommand.post(path(id, "approve"), Map.of());
      if (approval.root.output == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), r);
      } else {
        KeyCommand.println(spec, "Approved " + id + ": " + r.path("approvals").size() + " of "
            + r.path("required").asInt() + " approvals; the request is " + r.path("status").asText() + ".");
      }
      return 0;
    }
  }

  @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a request, ending it.")
  static final class Deny implements Callable<Integer> {
    @ParentCommand ApprovalCommand approval;
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "ID") String id;
    @picocli.CommandLine.Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why, for the record.")
    String reason;

    @Override
    public Integer call() throws IOException {
      JsonNode r = KeyCommand.post(path(id, "deny"), Map.of("reason", reason));
      if (approval.root.output == Output.JSON) {
        Output.printJson(spec.commandLine().getOut(), r);
      } else {
        KeyCommand.println(spec, "Denied " + id + "; it will not run.");
      }
      return 0;
    }
  }
}
