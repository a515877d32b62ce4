package io.loadeds.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One server under test, started as its own JVM with a fixed heap: ours from the shaded jar, the
 * java-control-plane stand-in from the harness's own class path. Reads its CPU time and RSS from
 * {@code /proc} and its heap after a full GC through {@code jcmd}. Killed when closed.
 */
final class ServerProcess implements AutoCloseable {
  /** Which implementation runs in the process. */
  enum Kind {
    OURS("loadeds", "io.loadeds.", "io.loadeds."),
    THEIRS("java-control-plane", "io.grpc.protobuf.services.", "io.envoyproxy.controlplane.");

    final String label;

    /**
     * The prefix of the classes of its health service and of its own code (not its gRPC
     * transport's): what a health Watch stream keeps there is not the transport's share.
     */
    final String ownClasses;

    /**
     * The prefix of the classes of the server's xDS code, not its transport's (for the stand-in,
     * java-control-plane's; its own few classes live in {@code io.loadeds.bench.jcp}, counted too).
     */
    final String xdsClasses;

    Kind(String label, String ownClasses, String xdsClasses) {
      this.label = label;
      this.ownClasses = ownClasses;
      this.xdsClasses = xdsClasses;
    }
  }

  static final String HEAP = "-Xmx2g";
  private static final Pattern OURS_READY = Pattern.compile("LoadEDS listening on [^:]+:(\\d+)");
  private static final Pattern THEIRS_READY = Pattern.compile("jcp-standin xds=(\\d+) rest=(\\d+)");
  private static final long CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux we run on

  final Kind kind;
  final int restPort;
  final int xdsPort;
  private final Process process;
  private final Deque<String> tail = new ArrayDeque<>();

  private ServerProcess(Kind kind, Process process, int restPort, int xdsPort) {
    this.kind = kind;
    this.process = process;
    this.restPort = restPort;
    this.xdsPort = xdsPort;
  }

  /** Starts {@code kind} and waits (at most 60 s) until it prints its ports. */
  static ServerProcess start(Kind kind, BenchConfig config) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, HEAP));
    command.addAll(config.serverJvmArgs());
    if (kind == Kind.OURS) {
      Path jar = Path.of(config.serverJar());
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(jar + " is missing: run `mvn -DskipTests package` first");
      }
      // The harness drives all registrations from one address and starts measuring at once, so
      // the per-client rate limit and the start-up warm-up are off: it measures the server, not
      // its safety nets (the stand-in has neither).
      command.addAll(
          List.of(
              "-jar",
              jar.toString(),
              "--host=127.0.0.1",
              "--port=0",
              "--registrations-per-second-per-client=0",
              "--warm-up=0"));
    } else {
      command.addAll(
          List.of("-cp", System.getProperty("java.class.path"), "io.loadeds.bench.jcp.JcpStandIn"));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Pattern ready = kind == Kind.OURS ? OURS_READY : THEIRS_READY;
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
      seen.add(line);
      Matcher m = ready.matcher(line);
      if (m.find()) {
        int rest = Integer.parseInt(m.group(m.groupCount()));
        int xds = Integer.parseInt(m.group(1));
        ServerProcess server = new ServerProcess(kind, p, rest, xds);
        server.drain(out);
        return server;
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException(kind.label + " did not start:\n" + String.join("\n", seen));
  }

  /** Keeps reading the output so the process never blocks on a full pipe; keeps the last lines. */
  private void drain(BufferedReader out) {
    Thread t =
        new Thread(
            () -> {
              try (out) {
                for (String line; (line = out.readLine()) != null; ) {
                  synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > 50) {
                      tail.removeFirst();
                    }
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            kind.label + "-output");
    t.setDaemon(true);
    t.start();
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  String lastOutput() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  /** User plus system CPU seconds the process has used so far. */
  double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
    // Fields after the command name (which may hold spaces) start at field 3.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
  }

  /** Resident set size in bytes. */
  long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    return -1;
  }

  /**
   * Writes the live-object class histogram ({@code jcmd GC.class_histogram}, which runs a full GC
   * first) to {@code file}: where the heap of a scenario goes, for profiling.
   */
  void writeHistogram(Path file) throws IOException, InterruptedException {
    writeHistogram(file, histogram());
  }

  static void writeHistogram(Path file, String histogram) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, histogram);
  }

  /**
   * The live-object class histogram ({@code jcmd GC.class_histogram}, after a full GC). Its total
   * ({@code testing.Heap.liveBytes}) is the heap figures' reading: taken in the same operation as
   * the GC, unlike {@code GC.heap_info} after a {@code GC.run}, between which the server (its
   * timers, the attach listener) allocates.
   */
  String histogram() throws IOException, InterruptedException {
    return jcmd("GC.class_histogram");
  }

  /**
   * The bytes of the live instances of every class whose name starts with one of {@code prefixes}
   * (lambdas included: their hidden classes are named after the class that made them; arrays of
   * such classes too), from a {@link #histogram} text. Rows read {@code " 1: instances bytes name
   * (module)"}.
   */
  static long bytesOfClasses(String histogram, String... prefixes) {
    long sum = 0;
    for (String line : histogram.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":") && named(f[3], prefixes)) {
        sum += Long.parseLong(f[2]);
      }
    }
    return sum;
  }

  /** A class or an array of a class (any depth) whose name starts with one of the prefixes. */
  private static boolean named(String className, String[] prefixes) {
    String element = className.replaceFirst("^\\[+L", "");
    for (String prefix : prefixes) {
      if (element.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /**
   * CPU time the server's JIT compilers have spent so far, in seconds ({@code jcmd
   * PerfCounter.print}: {@code java.ci.totalTime} in ticks of {@code sun.os.hrt.frequency}).
   */
  double jitSeconds() throws IOException, InterruptedException {
    return jitSeconds(jcmd("PerfCounter.print"));
  }

  /**
   * {@link #jitSeconds()} read from a {@code PerfCounter.print} text; NaN if it lacks the counters.
   */
  static double jitSeconds(String perfCounters) {
    Matcher time = Pattern.compile("(?m)^java\\.ci\\.totalTime=(\\d+)").matcher(perfCounters);
    Matcher hz = Pattern.compile("(?m)^sun\\.os\\.hrt\\.frequency=(\\d+)").matcher(perfCounters);
    if (!time.find() || !hz.find()) {
      return Double.NaN;
    }
    return Long.parseLong(time.group(1)) / (double) Long.parseLong(hz.group(1));
  }

  private String jcmd(String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
