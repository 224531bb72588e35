package io.custos.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.custos.access.Capabilities;
import io.custos.access.Grant;
import io.custos.access.Policy;
import io.custos.access.ResourcePattern;
import io.custos.failure.InvalidInputException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A policy document as written by people, in YAML or JSON:
 *
 * <pre>
 * description: payments service
 * grants:
 *   - capability: kms:encrypt
 *     resource: keys/payments-*
 *   - capability: ca:issue
 *     resource: ca/issuing-1/profiles/tls-server
 *     constraints: {dns: ["*.payments.example.com"], ip: ["10.0.0.0/8"]}
 * step_up: [kms:decrypt]
 * step_up_within: 5m
 * </pre>
 *
 * Anything wrong — malformed syntax, an unknown field, an unknown capability, a bad resource
 * pattern — is refused with {@code line N: reason}, N the line of the offending part.
 */
final class PolicyDocument {
  static final Set<String> FIELDS = Set.of("description", "grants", "step_up", "step_up_within");
  static final Set<String> GRANT_FIELDS = Set.of("capability", "resource", "constraints");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,6})(s|m|h)");
  private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
      .maxNestingDepth(16).maxStringLength(64 * 1024).maxNumberLength(32).maxNameLength(256).build();
  private static final JsonFactory JSON = JsonFactory.builder().streamReadConstraints(LIMITS).build();
  private static final YAMLFactory YAML = YAMLFactory.builder().streamReadConstraints(LIMITS).build();

  private PolicyDocument() {}

  /** A value read from the document with where it started. */
  private sealed interface Node permits Obj, Arr, Scalar {
    JsonLocation at();
  }

  private record Field(JsonLocation at, Node value) {}

  private record Obj(JsonLocation at, Map<String, Field> fields) implements Node {}

  private record Arr(JsonLocation at, List<Node> items) implements Node {}

  private record Scalar(JsonLocation at, JsonToken token, String text) implements Node {}

  /** Parses and checks {@code text}; {@code yaml} selects the syntax. The name comes from the URL. */
  static Policy parse(String name, String text, boolean yaml) {
    Node root = read(text, yaml);
    if (!(root instanceof Obj doc)) {
      throw refuse(root.at(), "a policy document is a mapping with " + sorted(FIELDS));
    }
    known(doc, FIELDS, "policy");
    String description = doc.fields().containsKey("description") ? string(doc.fields().get("description").value(),
        "description") : "";
    if (description.length() > 1000) {
      throw refuse(doc.fields().get("description").value().at(), "description is longer than 1000 characters");
    }
    List<Grant> grants = new ArrayList<>();
    Field g = doc.fields().get("grants");
    if (g == null) {
      throw refuse(doc.at(), "'grants' is required (a list of {capability, resource})");
    }
    if (!(g.value() instanceof Arr list)) {
      throw refuse(g.value().at(), "'grants' must be a list of {capability, resource}");
    }
    for (int i = 0; i < list.items().size(); i++) {
      grants.add(grant(list.items().get(i), i + 1));
    }
    Set<String> stepUp = new LinkedHashSet<>();
    Field s = doc.fields().get("step_up");
    if (s != null) {
      if (!(s.value() instanceof Arr caps)) {
        throw refuse(s.value().at(), "'step_up' must be a list of capabilities");
      }
      for (Node c : caps.items()) {
        String cap = string(c, "step_up entry");
        if (!Capabilities.valid(cap)) {
          throw refuse(c.at(), "step_up: unknown capability '" + cap + "'");
        }
        stepUp.add(cap);
      }
    }
    Duration within = Policy.DEFAULT_STEP_UP;
    Field w = doc.fields().get("step_up_within");
    if (w != null) {
      within = duration(w.value());
    }
    Policy p = new Policy(name, 1, description, grants, stepUp, within);
    try {
      return p.validate();
    } catch (InvalidInputException e) {
      throw refuse(doc.at(), e.getMessage());
    }
  }

  private static Grant grant(Node node, int number) {
    String where = "grant " + number;
    if (!(node instanceof Obj o)) {
      throw refuse(node.at(), where + " must be a mapping with " + sorted(GRANT_FIELDS));
    }
    known(o, GRANT_FIELDS, where);
    Field c = o.fields().get("capability");
    Field r = o.fields().get("resource");
    if (c == null || r == null) {
      throw refuse(o.at(), where + " needs both 'capability' and 'resource'");
    }
    String capability = string(c.value(), "capability");
    if (!Capabilities.valid(capability)) {
      throw refuse(c.value().at(), where + ": unknown capability '" + capability + "'");
    }
    String resource = string(r.value(), "resource");
    try {
      ResourcePattern.check(resource);
    } catch (InvalidInputException e) {
      throw refuse(r.value().at(), where + ": " + e.getMessage());
    }
    Map<String, List<String>> constraints = new LinkedHashMap<>();
    Field k = o.fields().get("constraints");
    if (k != null) {
      if (!(k.value() instanceof Obj cons)) {
        throw refuse(k.value().at(), where + ": 'constraints' must be a mapping of " + Grant.CONSTRAINTS + " to lists");
      }
      for (Map.Entry<String, Field> e : cons.fields().entrySet()) {
        if (!Grant.CONSTRAINTS.contains(e.getKey())) {
          throw refuse(e.getValue().at(), where + ": unknown constraint '" + e.getKey() + "'; one of " + Grant.CONSTRAINTS);
        }
        if (!(e.getValue().value() instanceof Arr values) || values.items().isEmpty()) {
          throw refuse(e.getValue().value().at(), where + ": constraint '" + e.getKey() + "' must be a non-empty list");
        }
        List<String> vs = new ArrayList<>();
        for (Node v : values.items()) {
          vs.add(string(v, "constraint '" + e.getKey() + "' entry"));
        }
        constraints.put(e.getKey(), vs);
      }
    }
    Grant grant = new Grant(capability, resource, constraints);
    try {
      grant.validate();
    } catch (InvalidInputException e) {
      throw refuse(o.at(), where + ": " + e.getMessage());
    }
    return grant;
  }

  private static Duration duration(Node n) {
    Duration d;
    if (n instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
      d = Duration.ofSeconds(Long.parseLong(s.text()));
    } else {
      String t = string(n, "step_up_within");
      Matcher m = DURATION.matcher(t.trim());
      if (!m.matches()) {
        throw refuse(n.at(), "step_up_within must be a duration such as 300s, 5m or 1h, got '" + clip(t) + "'");
      }
      long v = Long.parseLong(m.group(1));
      d = switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(v);
        case "m" -> Duration.ofMinutes(v);
        default -> Duration.ofHours(v);
      };
    }
    if (d.isZero() || d.isNegative() || d.compareTo(Duration.ofHours(1)) > 0) {
      throw refuse(n.at(), "step_up_within must be from 1s to 1h");
    }
    return d;
  }

  private static void known(Obj o, Set<String> allowed, String where) {
    for (Map.Entry<String, Field> e : o.fields().entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw refuse(e.getValue().at(), where + " has an unknown field '" + clip(e.getKey()) + "'; known fields are "
            + sorted(allowed));
      }
    }
  }

  private static String string(Node n, String what) {
    if (n instanceof Scalar s && s.token() == JsonToken.VALUE_STRING) {
      return s.text();
    }
    throw refuse(n.at(), what + " must be a string");
  }

  // ---------------------------------------------------------------- reading with locations

  private static Node read(String text, boolean yaml) {
    if (text.isBlank()) {
      throw new InvalidInputException("line 1: the policy document is empty");
    }
    try (JsonParser p = (yaml ? YAML : JSON).createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new InvalidInputException("line 1: the policy document is empty");
      }
      Node root = value(p, t);
      if (p.nextToken() != null) {
        throw refuse(p.currentTokenLocation(), "content after the policy document");
      }
      return root;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new InvalidInputException("line " + (at == null ? 1 : Math.max(1, at.getLineNr())) + ": "
          + (yaml ? "not valid YAML: " : "not valid JSON: ") + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new InvalidInputException("line 1: the policy document cannot be read: " + e.getMessage());
    }
  }

  private static Node value(JsonParser p, JsonToken t) throws IOException {
    JsonLocation at = p.currentTokenLocation();
    switch (t) {
      case START_OBJECT -> {
        Map<String, Field> fields = new LinkedHashMap<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_OBJECT; n = p.nextToken()) {
          JsonLocation keyAt = p.currentTokenLocation();
          String key = p.currentName();
          Node v = value(p, p.nextToken());
          if (fields.containsKey(key)) {
            throw refuse(keyAt, "'" + clip(key) + "' appears twice");
          }
          fields.put(key, new Field(keyAt, v));
        }
        return new Obj(at, fields);
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
          if (items.size() >= 1000) {
            throw refuse(at, "a list holds at most 1000 entries");
          }
          items.add(value(p, n));
        }
        return new Arr(at, items);
      }
      default -> {
        return new Scalar(at, t, t == JsonToken.VALUE_NULL ? null : p.getText());
      }
    }
  }

  private static InvalidInputException refuse(JsonLocation at, String reason) {
    return new InvalidInputException("line " + Math.max(1, at.getLineNr()) + ": " + reason);
  }

  private static String sorted(Set<String> s) {
    return String.join(", ", s.stream().sorted().toList());
  }

  private static String clip(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "malformed";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
