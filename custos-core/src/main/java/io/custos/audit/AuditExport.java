package io.custos.audit;

import io.custos.store.AuditRecords;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the export form of the log (docs/audit-format.md §4): each event's canonical line,
 * each checkpoint line right after the event at its tree size. One writer for the API and for
 * offline exports, so both produce the same bytes.
 */
public final class AuditExport {
  static final int PAGE = 10_000;

  private AuditExport() {}

  /**
   * Writes events {@code from..to} (inclusive, capped at the stored end) with their checkpoints.
   *
   * @return the seq of the last event written, or {@code from - 1} if none
   */
  public static long write(AuditRecords records, long from, long to, OutputStream out) throws IOException {
    long last = Math.min(to, records.lastSeq());
    long written = from - 1;
    for (long seq = from; seq <= last; ) {
      List<AuditRecords.EventRow> rows = records.read(seq, (int) Math.min(PAGE, last - seq + 1));
      if (rows.isEmpty()) {
        break;
      }
      long pageEnd = rows.getLast().seq();
      Map<Long, String> notes = new HashMap<>();
      records.checkpoints(seq, pageEnd).forEach(c -> notes.put(c.treeSize(), c.note()));
      for (AuditRecords.EventRow r : rows) {
        out.write(r.event());
        out.write('\n');
        String note = notes.get(r.seq());
        if (note != null) {
          out.write(new LogEntry.CheckpointNote(note).toExportLine());
          out.write('\n');
        }
      }
      written = pageEnd;
      seq = pageEnd + 1;
    }
    out.flush();
    return written;
  }
}
