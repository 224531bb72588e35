package io.custos.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Reads seq and time from the fixed end of a canonical event, {@code ...,"seq":N,"time":"T","v":1}}
 * (members are sorted, so these three always come last), without parsing the rest.
 *
 * <p>The verifier uses it for events a signed checkpoint then covers: their bytes are vouched
 * for by the signature over the tree, which it recomputes from the same bytes. Events no
 * checkpoint covers are decoded in full before the verdict. Anything that does not have the
 * expected shape gets {@code null}, and is decoded in full at once.
 */
final class EventTail {
  private static final byte[] END = ",\"v\":1}".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TIME = ",\"time\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEQ = ",\"seq\":".getBytes(StandardCharsets.US_ASCII);
  private static final int TIME_CHARS = 24;

  private EventTail() {}

  /** {seq, epoch millis}, or null if the bytes do not end like a canonical version 1 event. */
  static long[] seqAndTime(byte[] b) {
    int end = b.length - END.length;
    if (end < 0 || !matches(b, end, END)) {
      return null;
    }
    int quote = end - 1;
    int timeStart = quote - TIME_CHARS;
    int timeKey = timeStart - TIME.length;
    if (timeKey < 0 || b[quote] != '"' || !matches(b, timeKey, TIME)) {
      return null;
    }
    long seq = 0;
    int i = timeKey - 1;
    int digits = 0;
    for (; i >= 0 && b[i] >= '0' && b[i] <= '9'; i--) {
      digits++;
    }
    if (digits == 0 || digits > 16 || (digits > 1 && b[i + 1] == '0')) {
      return null;
    }
    for (int d = i + 1; d < timeKey; d++) {
      seq = seq * 10 + (b[d] - '0');
    }
    if (i + 1 - SEQ.length < 0 || !matches(b, i + 1 - SEQ.length, SEQ)) {
      return null;
    }
    String time = new String(b, timeStart, TIME_CHARS, StandardCharsets.US_ASCII);
    try {
      Instant t = UtcMillis.parse("time", time);
      return new long[] {seq, t.toEpochMilli()};
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static boolean matches(byte[] b, int at, byte[] what) {
    if (at < 0 || at + what.length > b.length) {
      return false;
    }
    for (int k = 0; k < what.length; k++) {
      if (b[at + k] != what[k]) {
        return false;
      }
    }
    return true;
  }
}
