package io.custos.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Metrics in the Prometheus text exposition format (version 0.0.4), served at {@code /metrics}.
 * Counters, gauges read when scraped, and histograms; labels are fixed per metric. Values never
 * carry secrets: label values are actions, outcomes, routes, sink names.
 */
public final class Metrics {
  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*");
  private final Map<String, Family> families = new ConcurrentSkipListMap<>();

  private sealed interface Family permits Counter, Gauge, Histogram {
    void render(StringBuilder out);
  }

  /** A monotonically increasing count per label set. */
  public static final class Counter implements Family {
    private final String name;
    private final String help;
    private final List<String> labels;
    private final Map<List<String>, LongAdder> values = new ConcurrentHashMap<>();

    private Counter(String name, String help, List<String> labels) {
      this.name = name;
      this.help = help;
      this.labels = labels;
    }

    public void inc(String... labelValues) {
      values.computeIfAbsent(List.of(labelValues), k -> new LongAdder()).increment();
    }

    @Override
    public void render(StringBuilder out) {
      header(out, name, help, "counter");
      values.forEach((k, v) -> sample(out, name, labels, k, v.sum()));
    }
  }

  /** Values read from the running system at scrape time. */
  public static final class Gauge implements Family {
    private final String name;
    private final String help;
    private final List<String> labels;
    private final Supplier<Map<List<String>, Double>> read;

    private Gauge(String name, String help, List<String> labels, Supplier<Map<List<String>, Double>> read) {
      this.name = name;
      this.help = help;
      this.labels = labels;
      this.read = read;
    }

    @Override
    public void render(StringBuilder out) {
      Map<List<String>, Double> now;
      try {
        now = read.get();
      } catch (RuntimeException e) {
        return; // a gauge that cannot be read now is left out of this scrape
      }
      header(out, name, help, "gauge");
      now.forEach((k, v) -> sample(out, name, labels, k, v));
    }
  }

  /** Observations in cumulative buckets, per label set. */
  public static final class Histogram implements Family {
    private final String name;
    private final String help;
    private final List<String> labels;
    private final double[] bounds;
    private final Map<List<String>, Cells> values = new ConcurrentHashMap<>();

    private record Cells(LongAdder[] buckets, DoubleAdder sum, LongAdder count) {}

    private Histogram(String name, String help, List<String> labels, double[] bounds) {
      this.name = name;
      this.help = help;
      this.labels = labels;
      this.bounds = bounds.clone();
    }

    public void observe(double value, String... labelValues) {
      Cells c = values.computeIfAbsent(List.of(labelValues), k -> {
        LongAdder[] b = new LongAdder[bounds.length];
        for (int i = 0; i < b.length; i++) {
          b[i] = new LongAdder();
        }
        return new Cells(b, new DoubleAdder(), new LongAdder());
      });
      for (int i = 0; i < bounds.length; i++) {
        if (value <= bounds[i]) {
          c.buckets()[i].increment();
        }
      }
      c.sum().add(value);
      c.count().increment();
    }

    @Override
    public void render(StringBuilder out) {
      header(out, name, help, "histogram");
      List<String> withLe = new ArrayList<>(labels);
      withLe.add("le");
      values.forEach((k, c) -> {
        for (int i = 0; i < bounds.length; i++) {
          List<String> v = new ArrayList<>(k);
          v.add(format(bounds[i]));
          sample(out, name + "_bucket", withLe, v, c.buckets()[i].sum());
        }
        List<String> inf = new ArrayList<>(k);
        inf.add("+Inf");
        sample(out, name + "_bucket", withLe, inf, c.count().sum());
        sample(out, name + "_sum", labels, k, c.sum().sum());
        sample(out, name + "_count", labels, k, c.count().sum());
      });
    }
  }

  public Counter counter(String name, String help, String... labels) {
    return (Counter) register(name, new Counter(check(name), help, List.of(labels)));
  }

  public void gauge(String name, String help, Supplier<Double> read) {
    register(name, new Gauge(check(name), help, List.of(), () -> Map.of(List.of(), read.get())));
  }

  public void gauge(String name, String help, List<String> labels, Supplier<Map<List<String>, Double>> read) {
    register(name, new Gauge(check(name), help, List.copyOf(labels), read));
  }

  public Histogram histogram(String name, String help, double[] bounds, String... labels) {
    return (Histogram) register(name, new Histogram(check(name), help, List.of(labels), bounds));
  }

  private Family register(String name, Family f) {
    if (families.putIfAbsent(name, f) != null) {
      throw new IllegalArgumentException("metric " + name + " is registered twice");
    }
    return f;
  }

  /** The whole exposition, metrics in name order. */
  public String render() {
    StringBuilder out = new StringBuilder(4096);
    families.values().forEach(f -> f.render(out));
    return out.toString();
  }

  private static String check(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("bad metric name " + name);
    }
    return name;
  }

  private static void header(StringBuilder out, String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String name, List<String> labels, List<String> values, double v) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{');
      for (int i = 0; i < labels.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(labels.get(i)).append("=\"").append(escape(values.get(i))).append('"');
      }
      out.append('}');
    }
    out.append(' ').append(format(v)).append('\n');
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.valueOf((long) v);
    }
    return String.format(Locale.ROOT, "%s", v);
  }
}
