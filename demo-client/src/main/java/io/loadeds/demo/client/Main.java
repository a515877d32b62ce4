package io.loadeds.demo.client;

import com.google.gson.GsonBuilder;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The demo client's command line: a load generator for {@code protobuf.Math/Max}, through a proxy
 * such as Envoy ({@code --target}) or as a proxyless xDS gRPC client ({@code --xds}).
 *
 * <p>Exit codes: 0 when the run completed (refusals and errors are data, not failures), 1 when it
 * could not run or write its JSON, 2 for bad flags.
 *
 * <p>Threading: {@link #call()} runs the whole load run on the calling thread. With {@link #main},
 * Ctrl-C (or SIGTERM) ends the run early and the summary is still printed.
 */
@Command(
    name = "demo-client",
    mixinStandardHelpOptions = true,
    version = "demo-client 0.1.0",
    sortOptions = false,
    description = {
      "Keeps --streams concurrent Math/Max streams going for --duration, shows open streams per"
          + " backend (x-backend-id), refusals and errors while it runs, and prints a summary.",
    })
public final class Main implements Callable<Integer> {

  /** Exactly one of the two ways to reach the backends. */
  static final class TargetOptions {
    @Option(
        names = "--target",
        paramLabel = "HOST:PORT",
        required = true,
        description = "Plaintext gRPC server or proxy, e.g. Envoy at 127.0.0.1:10000.")
    String target;

    @Option(
        names = "--xds",
        paramLabel = "CLUSTER",
        required = true,
        description = "Proxyless: connect to xds:///CLUSTER, resolved from --xds-server.")
    String xdsCluster;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  TargetOptions targetOptions;

  @Option(
      names = "--xds-server",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:XDS_SERVER:-127.0.0.1:18000}",
      description = "xDS server for --xds (env XDS_SERVER). Default: ${DEFAULT-VALUE}")
  String xdsServer;

  @Option(
      names = "--streams",
      paramLabel = "N",
      defaultValue = "10",
      description = "Concurrent streams. Default: ${DEFAULT-VALUE}")
  int streams;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = "Length of the run, e.g. 30s, 2m. Default: ${DEFAULT-VALUE}")
  Duration duration;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      defaultValue = "200ms",
      converter = DurationConverter.class,
      description = "Pause between numbers on a stream. Default: ${DEFAULT-VALUE}")
  Duration interval;

  @Option(
      names = "--hold",
      description = "Keep every stream open until the end, instead of short streams.")
  boolean hold;

  @Option(
      names = "--messages",
      paramLabel = "N",
      defaultValue = "10",
      description = "Numbers sent on a short stream before it ends. Default: ${DEFAULT-VALUE}")
  int messages;

  @Option(
      names = "--retry",
      description =
          "Open a new stream after --retry-backoff when one is refused or fails (otherwise that"
              + " slot stays empty).")
  boolean retry;

  @Option(
      names = "--ramp",
      paramLabel = "DURATION",
      defaultValue = "100ms",
      converter = DurationConverter.class,
      description =
          "Pause between opening the first streams, as real load arrives over time: it lets the"
              + " proxy or xDS client learn that a backend is full before the next stream (0 opens"
              + " all at once). Default: ${DEFAULT-VALUE}")
  Duration ramp;

  @Option(
      names = "--retry-backoff",
      paramLabel = "DURATION",
      defaultValue = "1s",
      converter = DurationConverter.class,
      description = "Pause before a retry. Default: ${DEFAULT-VALUE}")
  Duration retryBackoff;

  @Option(
      names = "--progress",
      description = "Print the status line even when stderr is not a terminal (one line a second).")
  boolean progress;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description =
          "Also write the summary as JSON to FILE; '-' writes it to stdout (the table then"
              + " goes to stderr).")
  String json;

  private final PrintStream out;
  private final PrintStream err;
  private final CountDownLatch stopEarly;

  Main(PrintStream out, PrintStream err, CountDownLatch stopEarly) {
    this.out = out;
    this.err = err;
    this.stopEarly = stopEarly;
  }

  public static void main(String[] args) {
    CountDownLatch stopEarly = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // Ctrl-C: end the run now and let the main thread print the summary first.
                  stopEarly.countDown();
                  try {
                    finished.await(LoadRun.DRAIN_MILLIS + 5_000, TimeUnit.MILLISECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "demo-client-stop"));
    int exit = execute(args, System.out, System.err, stopEarly);
    finished.countDown();
    System.exit(exit);
  }

  /** Parses {@code args} and runs; the entry point shared by {@link #main} and the tests. */
  static int execute(String[] args, PrintStream out, PrintStream err, CountDownLatch stopEarly) {
    CommandLine cli = new CommandLine(new Main(out, err, stopEarly));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    LoadConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      err.println("demo-client: " + e.getMessage());
      return 2;
    }
    if (config.target() instanceof LoadConfig.Target.Xds xds) {
      String warning = XdsBootstrap.install(xds.xdsServer());
      if (warning != null) {
        err.println("demo-client: warning: " + warning);
      }
    }
    ManagedChannel channel;
    try {
      channel =
          Grpc.newChannelBuilder(config.target().uri(), InsecureChannelCredentials.create())
              .build();
    } catch (IllegalArgumentException e) {
      err.println("demo-client: cannot reach " + config.target().uri() + ": " + e.getMessage());
      return 1;
    }
    Summary summary;
    try {
      boolean terminal = System.console() != null;
      ProgressLine line = progress || terminal ? new ProgressLine(err, terminal) : null;
      summary = new LoadRun(config, line).run(channel, stopEarly);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    boolean jsonToStdout = "-".equals(json);
    SummaryTable.print(summary, jsonToStdout ? err : out);
    if (json != null) {
      String text = new GsonBuilder().setPrettyPrinting().create().toJson(summary);
      if (jsonToStdout) {
        out.println(text);
        out.flush();
      } else {
        try {
          Files.writeString(Path.of(json), text + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
          err.println("demo-client: cannot write " + json + ": " + e.getMessage());
          return 1;
        }
      }
    }
    return 0;
  }

  private LoadConfig config() {
    LoadConfig.Target target =
        targetOptions.target != null
            ? new LoadConfig.Target.Direct(targetOptions.target)
            : new LoadConfig.Target.Xds(targetOptions.xdsCluster, xdsServer);
    return new LoadConfig(
        target, streams, duration, interval, hold, messages, retry, retryBackoff, ramp);
  }

  /** Reads {@code 30s}, {@code 200ms}, {@code 2m} or a plain number of seconds. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Durations.parse(value);
    }
  }
}
