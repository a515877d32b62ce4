package io.loadeds.demo.client;

import java.io.PrintStream;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The live status line: open streams per backend, refusals and errors, refreshed about once a
 * second on stderr. On a terminal it rewrites one line in place; elsewhere (with {@code
 * --progress}) it prints one line per tick.
 *
 * <p>Threading: called from the run's timer thread only, and once more from the run's thread after
 * the timer stopped.
 */
final class ProgressLine {

  private final PrintStream err;
  private final boolean inPlace;
  private boolean printed;

  ProgressLine(PrintStream err, boolean inPlace) {
    this.err = err;
    this.inPlace = inPlace;
  }

  void print(LoadStats stats, long elapsedMillis) {
    Map<String, Integer> open = stats.openNow();
    int total = open.values().stream().mapToInt(Integer::intValue).sum();
    String perBackend =
        open.entrySet().stream()
            .map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", "));
    String line =
        String.format(
            "[%5.1fs] open %d%s | refused %d | errors %d",
            elapsedMillis / 1000.0,
            total,
            perBackend.isEmpty() ? "" : " (" + perBackend + ")",
            stats.refusals(),
            stats.errors());
    if (inPlace) {
      // Carriage return and erase-to-end-of-line: the line is redrawn where it stands.
      err.print("\r" + line + "\u001b[K");
    } else {
      err.println(line);
    }
    err.flush();
    printed = true;
  }

  /** Leaves the line in place above what is printed next. */
  void close() {
    if (inPlace && printed) {
      err.println();
    }
  }
}
