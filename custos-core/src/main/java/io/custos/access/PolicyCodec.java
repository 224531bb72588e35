package io.custos.access;

import io.custos.failure.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The stored form of a policy: {@link Fields}, one grant per value. */
final class PolicyCodec {
  private PolicyCodec() {}

  static byte[] encode(Policy p) {
    List<String> grants = new ArrayList<>();
    for (Grant g : p.grants()) {
      StringBuilder c = new StringBuilder();
      g.constraints().forEach((k, v) -> c.append(c.isEmpty() ? "" : ";").append(k).append('=').append(String.join(",", v)));
      grants.add(g.capability() + "\t" + g.resource() + "\t" + c);
    }
    return new Fields().put("name", p.name()).put("version", String.valueOf(p.version()))
        .put("description", p.description()).put("grants", grants).put("step_up", List.copyOf(p.stepUp()))
        .put("step_up_within", String.valueOf(p.stepUpWithin().toSeconds())).encode();
  }

  static Policy decode(byte[] bytes) {
    Fields f = Fields.decode(bytes);
    List<Grant> grants = new ArrayList<>();
    for (String line : f.list("grants")) {
      String[] parts = line.split("\t", -1);
      if (parts.length != 3) {
        throw new InvalidInputException("stored policy has a malformed grant");
      }
      Map<String, List<String>> constraints = new LinkedHashMap<>();
      if (!parts[2].isEmpty()) {
        for (String kv : parts[2].split(";")) {
          int eq = kv.indexOf('=');
          constraints.put(kv.substring(0, eq), List.of(kv.substring(eq + 1).split(",")));
        }
      }
      grants.add(new Grant(parts[0], parts[1], constraints));
    }
    return new Policy(f.one("name"), Integer.parseInt(f.one("version")), f.one("description"), grants,
        Set.copyOf(f.list("step_up")), Duration.ofSeconds(Long.parseLong(f.one("step_up_within"))));
  }
}
