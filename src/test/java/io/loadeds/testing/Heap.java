package io.loadeds.testing;

import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The JVM's live heap as its class histogram reports it (the histogram collects garbage first, so
 * its figures do not depend on when the collector last ran). For tests that assert what something
 * costs in memory. Stateless; a full GC per call.
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
    Matcher m = TOTAL.matcher(histogram());
    if (!m.find()) {
      throw new IllegalStateException("no total in the class histogram");
    }
    return Long.parseLong(m.group(1));
  }
}
