package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README's local demo command, run as a user runs it (with the jars that {@code mvn verify} has
 * just built, on a free port): it tells the whole story, and it leaves no process behind, also when
 * interrupted, and also when it was started as a background job of a non-interactive shell.
 *
 * <p>The script is launched with SIGINT and SIGQUIT at their default dispositions whatever this JVM
 * inherited: Maven started as a background job ({@code mvn verify &}) passes them on ignored, and a
 * process started from here would inherit that, so a test of "started normally" would silently be
 * one of "started in the background".
 */
class LocalDemoScriptIT {
  private static final Path SCRIPT = Path.of("demo-client", "local-demo.sh").toAbsolutePath();

  /**
   * A prefix that execs its arguments with the signals the tests send (and SIGQUIT) at their
   * defaults: coreutils' env where it has {@code --default-signal} (8.31 and later), else perl.
   * Dispositions are inherited, and bash cannot trap a signal ignored at entry: under {@code nohup
   * mvn verify} the script would rightly keep running on SIGHUP, as its user asked, and the HUP
   * case would fail for a reason that is not the script's.
   */
  private static final List<String> DEFAULT_SIGNALS = defaultSignals();

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

    signal("INT", demo.pid());

    assertThat(demo.waitFor(30, TimeUnit.SECONDS)).as("the demo stops on Ctrl-C").isTrue();
    assertThat(Files.readString(out)).contains("interrupted: stopping everything (SIGINT)");
    assertAllEnded(started);
  }

  /**
   * {@code bash -c 'local-demo.sh & wait'}: the script starts with SIGINT ignored, as under a CI
   * step or {@code mvn verify &}, and must still stop everything on each signal.
   */
  @ParameterizedTest
  @ValueSource(strings = {"INT", "TERM", "HUP"})
  void aSignalStopsEverythingAlsoWhenStartedInTheBackground(String signal) throws Exception {
    Path out = tmp.resolve("out.txt");
    Process shell = start(out, "bash", "-c", "bash \"$0\" & wait", SCRIPT.toString());
    awaitText(out, "client A opens", 90);
    ProcessHandle script = shell.children().findFirst().orElseThrow();
    List<ProcessHandle> started = script.descendants().toList();

    signal(signal, script.pid());

    assertThat(script.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
    assertThat(shell.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(out)).contains("interrupted: stopping everything (SIG" + signal);
    assertAllEnded(started);
  }

  private Process start(Path out) throws IOException {
    return start(out, "bash", SCRIPT.toString());
  }

  /** Runs {@code command} with the signals at their defaults, output to {@code out}. */
  private static Process start(Path out, String... command) throws IOException {
    List<String> line = new ArrayList<>(DEFAULT_SIGNALS);
    line.addAll(List.of(command));
    ProcessBuilder pb =
        new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("PORT", "0");
    pb.environment().put("SKIP_BUILD", "1");
    pb.environment().remove("LOCAL_DEMO_SIGNALS_RESET");
    return pb.start();
  }

  private static List<String> defaultSignals() {
    try {
      Process probe =
          new ProcessBuilder("env", "--default-signal=INT", "true")
              .redirectErrorStream(true)
              .start();
      if (probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0) {
        return List.of("env", "--default-signal=INT,QUIT,HUP,TERM");
      }
    } catch (IOException e) {
      // no env on the path: try perl
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return List.of(
        "perl",
        "-e",
        "$SIG{INT} = $SIG{QUIT} = $SIG{HUP} = $SIG{TERM} = 'DEFAULT';"
            + " exec @ARGV or die \"$ARGV[0]: $!\\n\"");
  }

  private static void signal(String name, long pid) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor())
        .isZero();
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
