package io.loadeds.testing;

import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * A live heap as a class histogram reports it (the histogram collects garbage first, so its figures
 * do not depend on when the collector last ran): this JVM's, for tests that assert what something
 * costs in memory (a full GC per call), or any JVM's from the text {@code jcmd GC.class_histogram}
 * printed (the bench's servers). Stateless.
 */
public final class Heap {
  // "Total      123456      7890123"
  private static final Pattern TOTAL =
      Pattern.compile("^Total\\s+\\d+\\s+(\\d+)", Pattern.MULTILINE);

  private Heap() {}

  /** The class histogram, as {@code jcmd GC.class_histogram} prints it. */
  public static String histogram() throws JMException {
    return (String)
        ManagementFactory.getPlatformMBeanServer()
            .invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "gcClassHistogram",
                new Object[] {new String[0]},
                new String[] {String[].class.getName()});
  }

  /** The bytes of every live instance. */
  public static long liveBytes() throws JMException {
    long bytes = liveBytes(histogram());
    if (bytes < 0) {
      throw new IllegalStateException("no total in the class histogram");
    }
    return bytes;
  }

  /**
   * The bytes of every live instance in a class histogram's text (its {@code Total} row), or -1 if
   * the text has none (jcmd could not attach).
   */
  public static long liveBytes(String histogram) {
    Matcher m = TOTAL.matcher(histogram);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }
}
