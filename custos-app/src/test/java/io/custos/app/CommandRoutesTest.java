package io.custos.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.custos.server.RouteCapabilities;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every CLI verb maps to the routes it calls (and so to capabilities), or says why it works locally. */
class CommandRoutesTest {

  private static void leaves(CommandLine cl, String prefix, List<String> out) {
    if (cl.getSubcommands().isEmpty()) {
      out.add(prefix);
      return;
    }
    // picocli lists aliases too; the command's own name is enough.
    for (var e : cl.getSubcommands().entrySet()) {
      if (e.getKey().equals(e.getValue().getCommandName())) {
        leaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + " " + e.getKey(), out);
      }
    }
  }

  @Test
  @DisplayName("the command tree's leaves are exactly the verbs of CommandRoutes; each names mapped routes or why it is local")
  void everyVerbIsMapped() {
    List<String> found = new ArrayList<>();
    leaves(Main.commandLine(), "", found);
    Set<String> verbs = new TreeSet<>(found);
    assertThat(verbs).as("CLI verbs").isEqualTo(new TreeSet<>(CommandRoutes.all().keySet()));
    for (var e : CommandRoutes.all().entrySet()) {
      CommandRoutes.Verb v = e.getValue();
      assertThat(v.routes().isEmpty()).as(e.getKey() + ": routes or a local reason, not both")
          .isEqualTo(!v.local().isEmpty());
      for (String route : v.routes()) {
        assertThat(RouteCapabilities.of(route)).as(e.getKey() + " calls " + route).isPresent();
      }
    }
  }
}
