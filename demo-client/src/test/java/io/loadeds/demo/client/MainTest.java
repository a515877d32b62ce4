package io.loadeds.demo.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client run end to end through its command line against an in-test grpc-java server.
 *
 * <p>Each run is long on paper ({@code --duration 30s}) and ended early, through the same latch as
 * Ctrl-C, as soon as the server has seen what the test is about: the assertions then hold however
 * slow the machine is.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MainTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** Runs the client until {@code enough} holds (at most 20 s), and returns its JSON summary. */
  private JsonObject runUntil(BooleanSupplier enough, String target, String... flags)
      throws Exception {
    Path json = dir.resolve("summary.json");
    List<String> args =
        new ArrayList<>(
            List.of("--target", target, "--duration", "30s", "--json", json.toString()));
    args.addAll(Arrays.asList(flags));
    CountDownLatch stopEarly = new CountDownLatch(1);
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                Main.execute(
                    args.toArray(String[]::new),
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8),
                    stopEarly));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!enough.getAsBoolean() && System.nanoTime() < deadline && !exit.isDone()) {
      Thread.sleep(20);
    }
    assertThat(enough.getAsBoolean()).as("condition reached; stderr: %s", err).isTrue();
    stopEarly.countDown();
    assertThat(exit.get(15, TimeUnit.SECONDS)).as("exit code; stderr: %s", err).isZero();
    return JsonParser.parseString(Files.readString(json)).getAsJsonObject();
  }

  private static long count(JsonObject summary, String map, String key) {
    JsonObject m = summary.getAsJsonObject(map);
    return m.has(key) ? m.get(key).getAsLong() : 0;
  }

  @Test
  void heldStreamsSpreadOverBackendsWithSaneLatencies() throws Exception {
    try (TestMathServer server = new TestMathServer(List.of("b-1", "b-2"), 100, false)) {
      JsonObject s =
          runUntil(
              () -> server.active() == 4 && server.answered() >= 40,
              server.target(),
              "--streams",
              "4",
              "--interval",
              "20ms",
              "--hold");

      assertThat(s.get("totalStreams").getAsLong()).isEqualTo(4);
      assertThat(count(s, "streamsPerBackend", "b-1")).isEqualTo(2);
      assertThat(count(s, "streamsPerBackend", "b-2")).isEqualTo(2);
      assertThat(count(s, "openStreamsPerBackend", "b-1")).isEqualTo(2);
      assertThat(count(s, "openStreamsPerBackend", "b-2")).isEqualTo(2);
      assertThat(s.getAsJsonObject("refusals").size()).isZero();
      assertThat(s.getAsJsonObject("errors").size()).isZero();
      // Held streams end by the client's half-close at the end of the run: all complete.
      assertThat(s.get("completedStreams").getAsLong()).isEqualTo(4);

      JsonObject latency = s.getAsJsonObject("latencyMillis");
      double p50 = latency.get("p50").getAsDouble();
      double p90 = latency.get("p90").getAsDouble();
      double p99 = latency.get("p99").getAsDouble();
      double max = latency.get("max").getAsDouble();
      assertThat(latency.get("count").getAsLong()).isGreaterThanOrEqualTo(40);
      assertThat(p50).isPositive().isLessThanOrEqualTo(p90);
      assertThat(p90).isLessThanOrEqualTo(p99);
      assertThat(p99).isLessThanOrEqualTo(max);
      assertThat(max).isLessThan(30_000);
      assertThat(s.get("responsesReceived").getAsLong())
          .isEqualTo(latency.get("count").getAsLong());
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("b-1", "p50", "refusals: none");
    }
  }

  @Test
  void theStreamOverCapacityIsCountedAsARefusalAndItsSlotStaysEmptyWithoutRetry() throws Exception {
    try (TestMathServer server = new TestMathServer(List.of("b-1"), 2, false)) {
      JsonObject s =
          runUntil(
              () -> server.refused() == 1 && server.answered() >= 2,
              server.target(),
              "--streams",
              "3",
              "--interval",
              "50ms",
              "--hold");

      assertThat(s.get("totalStreams").getAsLong()).isEqualTo(3);
      assertThat(s.get("servedStreams").getAsLong()).isEqualTo(2);
      assertThat(count(s, "refusals", "RESOURCE_EXHAUSTED")).isEqualTo(1);
      assertThat(count(s, "refusalsPerBackend", "b-1")).isEqualTo(1);
      assertThat(s.get("refusalsTotal").getAsLong()).isEqualTo(1);
      assertThat(count(s, "openStreamsPerBackend", "b-1")).isEqualTo(2);
      assertThat(s.get("errorsTotal").getAsLong()).isZero();
      assertThat(server.refused()).isEqualTo(1);
    }
  }

  @Test
  void aRefusedStreamIsRetriedAfterTheBackoffWhenAsked() throws Exception {
    try (TestMathServer server = new TestMathServer(List.of("b-1"), 2, false)) {
      JsonObject s =
          runUntil(
              () -> server.refused() >= 3,
              server.target(),
              "--streams",
              "3",
              "--interval",
              "50ms",
              "--hold",
              "--retry",
              "--retry-backoff",
              "50ms");

      long refusals = count(s, "refusals", "RESOURCE_EXHAUSTED");
      long served = s.get("servedStreams").getAsLong();
      assertThat(refusals).isGreaterThanOrEqualTo(3);
      assertThat(s.get("totalStreams").getAsLong()).isEqualTo(served + refusals);
      // The two held streams; a retry that fires as they end at the close of the run may get in.
      assertThat(served).isBetween(2L, 3L);
    }
  }

  @Test
  void shortStreamsEndAfterTheirNumbersAndNewOnesTakeTheirPlace() throws Exception {
    try (TestMathServer server = new TestMathServer(List.of("b-1"), 100, false)) {
      JsonObject s =
          runUntil(
              () -> server.completed() >= 5,
              server.target(),
              "--streams",
              "2",
              "--interval",
              "20ms",
              "--messages",
              "3");

      assertThat(s.get("hold").getAsBoolean()).isFalse();
      assertThat(s.get("completedStreams").getAsLong()).isGreaterThanOrEqualTo(5);
      assertThat(count(s, "streamsPerBackend", "b-1")).isEqualTo(s.get("totalStreams").getAsLong());
      assertThat(s.get("errorsTotal").getAsLong()).isZero();
    }
  }

  @Test
  void failuresAfterServiceAreErrorsByStatusCode() throws Exception {
    try (TestMathServer server = new TestMathServer(List.of("b-1"), 100, true)) {
      JsonObject s =
          runUntil(
              () -> server.failed() >= 4,
              server.target(),
              "--streams",
              "2",
              "--interval",
              "20ms",
              "--retry",
              "--retry-backoff",
              "50ms");

      assertThat(count(s, "errors", "INTERNAL")).isGreaterThanOrEqualTo(4);
      assertThat(s.get("refusalsTotal").getAsLong()).isZero();
    }
  }

  @Test
  void jsonToStdoutMovesTheTableToStderr() throws Exception {
    try (TestMathServer server = new TestMathServer(List.of("b-1"), 100, false)) {
      int exit =
          Main.execute(
              new String[] {
                "--target", server.target(), "--streams", "1", "--duration", "300ms", "--json", "-"
              },
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8),
              new CountDownLatch(1));

      assertThat(exit).isZero();
      JsonObject s = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
      assertThat(s.get("target").getAsString()).isEqualTo(server.target());
      assertThat(s.getAsJsonObject("latencyMillis").has("p99")).isTrue();
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("latency");
    }
  }

  @Test
  void badFlagsExitWithTwo() {
    int exit =
        Main.execute(
            new String[] {"--streams", "3"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new CountDownLatch(1));
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--target", "--xds");
  }
}
