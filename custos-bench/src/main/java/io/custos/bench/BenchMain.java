package io.custos.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with its usual arguments, then prints every figure of a benchmark class next to that
 * class's baseline (its method whose name starts with {@code raw}, measured in the same run, on
 * the most threads up to the figure's own, if there are several) as a ratio, so that figures from a noisy machine
 * are read relative to each other.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    CommandLineOptions options = new CommandLineOptions(args);
    if (options.shouldHelp() || options.shouldList() || options.shouldListWithParams() || options.shouldListProfilers()
        || options.shouldListResultFormats()) {
      org.openjdk.jmh.Main.main(args);
      return;
    }
    Collection<RunResult> results = new Runner(options).run();
    System.out.print(ratios(results));
  }

  static String ratios(Collection<RunResult> results) {
    Map<String, List<RunResult>> byClass = new LinkedHashMap<>();
    for (RunResult r : results) {
      String bench = r.getParams().getBenchmark();
      byClass.computeIfAbsent(bench.substring(0, bench.lastIndexOf('.')), k -> new ArrayList<>()).add(r);
    }
    StringBuilder out = new StringBuilder("\nFigures against the baseline of the same run:\n");
    byClass.forEach((cls, runs) -> {
      RunResult first = runs.stream().filter(r -> method(r).startsWith("raw")).findFirst().orElse(null);
      out.append(cls.substring(cls.lastIndexOf('.') + 1)).append('\n');
      for (RunResult r : runs) {
        // A figure on N threads is read against the baseline on the most threads up to N, where
        // the class measured its baseline on several.
        RunResult baseline = runs.stream().filter(b -> method(b).startsWith("raw")
            && b.getParams().getThreads() <= r.getParams().getThreads())
            .max(java.util.Comparator.comparingInt(b -> b.getParams().getThreads())).orElse(first);
        Result<?> p = r.getPrimaryResult();
        out.append(String.format(Locale.ROOT, "  %-24s %4d threads %14.1f ± %-10.1f %-8s", method(r),
            r.getParams().getThreads(), p.getScore(), p.getScoreError(), p.getScoreUnit()));
        if (baseline != null && baseline != r && baseline.getPrimaryResult().getScore() > 0) {
          out.append(String.format(Locale.ROOT, "  %.3f × %s", p.getScore() / baseline.getPrimaryResult().getScore(),
              method(baseline)));
        } else if (baseline == r) {
          out.append("  (baseline)");
        }
        out.append('\n');
      }
    });
    return out.toString();
  }

  private static String method(RunResult r) {
    String b = r.getParams().getBenchmark();
    return b.substring(b.lastIndexOf('.') + 1);
  }
}
