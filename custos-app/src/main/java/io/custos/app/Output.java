package io.custos.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** How commands print results: an aligned table, JSON, or CSV where a list is printed. */
enum Output {
  TABLE, JSON, CSV;

  /** Lower-case names for help and shell completion. */
  static final class Names implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.Arrays.stream(values()).map(o -> o.name().toLowerCase(java.util.Locale.ROOT)).iterator();
    }
  }

  static final ObjectMapper JSON_MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Prints key/value pairs (a single object). */
  void keyValues(PrintWriter out, Object json, List<Map.Entry<String, String>> rows) {
    switch (this) {
      case JSON -> printJson(out, json);
      case CSV -> {
        out.println("key,value");
        rows.forEach(r -> out.println(csv(r.getKey()) + "," + csv(r.getValue())));
      }
      case TABLE -> {
        int width = Math.max(3, rows.stream().mapToInt(r -> r.getKey().length()).max().orElse(3));
        out.printf("%-" + width + "s  %s%n", "Key", "Value");
        out.printf("%-" + width + "s  %s%n", "---", "-----");
        rows.forEach(r -> out.printf("%-" + width + "s  %s%n", r.getKey(), r.getValue()));
      }
    }
    out.flush();
  }

  /** Prints a list: an aligned table, CSV with a header row, or the JSON given. */
  void list(PrintWriter out, Object json, List<String> headers, List<List<String>> rows) {
    switch (this) {
      case JSON -> printJson(out, json);
      case CSV -> {
        out.println(String.join(",", headers.stream().map(Output::csv).toList()));
        rows.forEach(r -> out.println(String.join(",", r.stream().map(Output::csv).toList())));
      }
      case TABLE -> {
        int[] w = new int[headers.size()];
        for (int i = 0; i < w.length; i++) {
          w[i] = headers.get(i).length();
          for (List<String> r : rows) {
            w[i] = Math.max(w[i], r.get(i).length());
          }
        }
        printRow(out, headers, w);
        printRow(out, headers.stream().map(h -> "-".repeat(h.length())).toList(), w);
        rows.forEach(r -> printRow(out, r, w));
      }
    }
    out.flush();
  }

  private static void printRow(PrintWriter out, List<String> cells, int[] w) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      b.append(i == cells.size() - 1 ? cells.get(i) : String.format("%-" + w[i] + "s  ", cells.get(i)));
    }
    out.println(b.toString().stripTrailing());
  }

  static void printJson(PrintWriter out, Object json) {
    try {
      out.println(JSON_MAPPER.writeValueAsString(json));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e);
    }
  }

  static String csv(String v) {
    if (v.contains(",") || v.contains("\"") || v.contains("\n")) {
      return "\"" + v.replace("\"", "\"\"") + "\"";
    }
    return v;
  }
}
