package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's local demo command, run as a user runs it (with the jars that {@code mvn verify} has
 * just built, on a free port): it tells the whole story, and it leaves no process behind, also when
 * interrupted.
 */
class LocalDemoScriptIT {
  private static final Path SCRIPT = Path.of("demo-client", "local-demo.sh").toAbsolutePath();

  @TempDir Path tmp;

  @Test
  void tellsTheStoryAndCleansUp() throws Exception {
    Path out = tmp.resolve("out.txt");
    Process demo = start(out);
    awaitText(out, "client A opens", 90);
    List<ProcessHandle> started = demo.descendants().toList();
    assertThat(demo.waitFor(150, TimeUnit.SECONDS)).as("the demo ends by itself").isTrue();
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(demo.exitValue()).as(text).isZero();

    String clientA = between(text, "client A's summary", "client A has ended");
    assertThat(clientA).containsPattern("b1 +3 +3").containsPattern("b2 +3 +3");
    assertThat(clientA).containsPattern("b3 +3 +3").contains("refusals: UNAVAILABLE 1");
    String clientB = text.substring(text.indexOf("client A has ended"));
    assertThat(clientB).as("the freed slot is taken again").contains("1 served");
    assertThat(clientB).containsPattern("refusals: UNAVAILABLE [1-9]");
    assertAllEnded(started);
  }

  @Test
  void anInterruptStopsEverythingItStarted() throws Exception {
    Path out = tmp.resolve("out.txt");
    Process demo = start(out);
    awaitText(out, "client A opens", 90);
    List<ProcessHandle> started = demo.descendants().toList();

    new ProcessBuilder("kill", "-INT", Long.toString(demo.pid())).start().waitFor();

    assertThat(demo.waitFor(30, TimeUnit.SECONDS)).as("the demo stops on Ctrl-C").isTrue();
    assertThat(Files.readString(out)).contains("interrupted: stopping everything");
    assertAllEnded(started);
  }

  private Process start(Path out) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder("bash", SCRIPT.toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    pb.environment().put("PORT", "0");
    pb.environment().put("SKIP_BUILD", "1");
    return pb.start();
  }

  private static void awaitText(Path file, String text, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!Files.readString(file).contains(text)) {
      assertThat(System.nanoTime()).as("waiting for '%s'", text).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static void assertAllEnded(List<ProcessHandle> started) throws Exception {
    assertThat(started).as("server, backends and client were running").hasSizeGreaterThan(3);
    for (ProcessHandle p : started) {
      try {
        p.onExit().get(15, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        p.destroyForcibly();
        throw new AssertionError(
            "process " + p.pid() + " " + p.info().commandLine() + " left running");
      }
    }
  }

  private static String between(String text, String from, String to) {
    int start = text.indexOf(from);
    int end = text.indexOf(to, start);
    assertThat(start).as(text).isNotNegative();
    assertThat(end).as(text).isGreaterThan(start);
    return text.substring(start, end);
  }
}
