package io.loadeds.bench.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Server jars started for {@link ClusterBench}: one lone server, or N clustered replicas on
 * loopback with free cluster ports. Their output is drained on a daemon thread; closing kills them.
 */
final class Replicas implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("LoadEDS listening on [^:]+:(\\d+)");

  private final List<Process> processes = new ArrayList<>();
  final List<Integer> ports = new ArrayList<>();

  /** {@code n} replicas ({@code n == 1} and {@code clustered == false}: one lone server). */
  static Replicas start(String jar, int n, boolean clustered) throws Exception {
    if (!Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(jar + " is missing: run `mvn -DskipTests package` first");
    }
    Replicas r = new Replicas();
    int[] clusterPorts = new int[n];
    for (int i = 0; i < n; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        clusterPorts[i] = s.getLocalPort();
      }
    }
    String members =
        java.util.Arrays.stream(clusterPorts)
            .mapToObj(p -> "127.0.0.1:" + p)
            .collect(Collectors.joining(","));
    List<BufferedReader> outs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
      // Extra server JVM flags, for a profiler agent for instance (-Dcbench.serverJvmArgs=...).
      String extra = System.getProperty("cbench.serverJvmArgs", "").trim();
      if (!extra.isEmpty()) {
        cmd.addAll(List.of(extra.split("\\s+")));
      }
      cmd.addAll(
          List.of(
              "-jar",
              jar,
              "--host=127.0.0.1",
              "--port=0",
              "--warm-up=0",
              "--registrations-per-second-per-client=0",
              // Every write is measured to its push: no weight coalescing.
              "--weight-coalesce-window=0",
              "--max-streams-per-connection=1000"));
      if (clustered) {
        cmd.addAll(
            List.of(
                "--cluster=true",
                "--cluster-port=" + clusterPorts[i],
                "--cluster-members=" + members));
      }
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      r.processes.add(p);
      outs.add(
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    }
    for (int i = 0; i < n; i++) {
      r.ports.add(awaitPort(outs.get(i), r.processes.get(i)));
    }
    return r;
  }

  private static int awaitPort(BufferedReader out, Process p) throws IOException {
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
      seen.add(line);
      Matcher m = READY.matcher(line);
      if (m.find()) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    while (out.readLine() != null) {
                      // keep the pipe from filling
                    }
                  } catch (IOException e) {
                    // the process ended
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(1));
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("a replica did not start:\n" + String.join("\n", seen));
  }

  /** CPU time each replica has used so far, in nanoseconds, in start order (0 when unknown). */
  long[] cpuNanos() {
    return processes.stream()
        .mapToLong(
            p -> p.toHandle().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L))
        .toArray();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
