package io.loadeds.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code java -jar} child process for multi-process tests: its output (stdout and stderr merged)
 * is collected line by line, and it is killed when closed, so a failing test leaves nothing
 * running.
 */
final class JavaProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private JavaProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code java -Xmx256m -jar jar args...}; fails the test when the jar is missing. */
  static JavaProcess start(String name, String jarProperty, String... args) throws IOException {
    return start(name, jarProperty, Map.of(), args);
  }

  /**
   * Starts {@code java -Xmx256m -jar jar args...} with {@code env} added to this JVM's environment;
   * fails the test when the jar is missing.
   */
  static JavaProcess start(String name, String jarProperty, Map<String, String> env, String... args)
      throws IOException {
    return start(name, jarProperty, List.of("-Xmx256m"), env, args);
  }

  /**
   * Starts {@code java jvmOptions... -jar jar args...}: the options replace the default {@code
   * -Xmx256m}, e.g. to fix the heap of a process whose heap a test measures; fails the test when
   * the jar is missing.
   */
  static JavaProcess start(String name, String jarProperty, List<String> jvmOptions, String... args)
      throws IOException {
    return start(name, jarProperty, jvmOptions, Map.of(), args);
  }

  private static JavaProcess start(
      String name,
      String jarProperty,
      List<String> jvmOptions,
      Map<String, String> env,
      String... args)
      throws IOException {
    String jar = System.getProperty(jarProperty);
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(
          jarProperty + " = " + jar + " is not built; run `mvn verify` from the repository root");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar);
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process p = builder.start();
    return new JavaProcess(name, p);
  }

  /** Waits for a server's "listening on 127.0.0.1:PORT" line and returns the port it bound. */
  int awaitLoopbackPort(long timeoutMillis) throws InterruptedException {
    return Integer.parseInt(awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)", timeoutMillis));
  }

  /** Waits for an output line matching {@code regex} and returns its first group. */
  String awaitLine(String regex, long timeoutMillis) throws InterruptedException {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.currentTimeMillis() + timeoutMillis;
    int seen = 0;
    synchronized (lines) {
      while (true) {
        for (; seen < lines.size(); seen++) {
          Matcher m = pattern.matcher(lines.get(seen));
          if (m.find()) {
            return m.groupCount() > 0 ? m.group(1) : m.group();
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0 || (!process.isAlive() && seen == lines.size())) {
          throw new AssertionError(
              name + " printed no line matching /" + regex + "/; output:\n" + output());
        }
        lines.wait(Math.min(left, 200));
      }
    }
  }

  /** The operating system's id of the process (what {@code jcmd} takes). */
  long pid() {
    return process.pid();
  }

  /** Every output line so far in which {@code regex} is found, in order. */
  List<String> linesMatching(String regex) {
    Pattern pattern = Pattern.compile(regex);
    synchronized (lines) {
      return lines.stream().filter(l -> pattern.matcher(l).find()).toList();
    }
  }

  /**
   * Runs {@code jcmd <pid> command} (a diagnostic command such as {@code GC.run}) and returns what
   * it printed; fails the test when jcmd fails or takes longer than 30 s.
   */
  String jcmd(String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    // Output to a file, not a pipe: waiting with a timeout then cannot hang on a blocked read.
    Path out = Files.createTempFile("jcmd", ".txt");
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("jcmd " + command + " did not end in time");
      }
      String text = Files.readString(out);
      if (p.exitValue() != 0) {
        throw new AssertionError("jcmd " + command + " failed (" + p.exitValue() + "): " + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** Waits for the process to end by itself and returns its exit code. */
  int awaitExit(long timeoutMillis) throws InterruptedException {
    if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not end in time; output:\n" + output());
    }
    return process.exitValue();
  }

  /**
   * Waits for the process to end by itself and returns its exit code and everything it printed
   * (unlike {@link #output()} after {@link #awaitExit}, which may miss the last lines while they
   * are still being read).
   */
  Exit awaitExitAndOutput(long timeoutMillis) throws InterruptedException {
    int code = awaitExit(timeoutMillis);
    reader.join(timeoutMillis);
    synchronized (lines) {
      return new Exit(code, List.copyOf(lines));
    }
  }

  /** How a process ended: its exit code and its output lines (stdout and stderr merged). */
  record Exit(int code, List<String> lines) {}

  /**
   * SIGTERM, as {@code docker stop} or a service manager sends it; waits at most {@code
   * timeoutMillis} for the process to end and returns its exit code.
   */
  int terminate(long timeoutMillis) throws InterruptedException {
    // Through the handle: Process.destroy() also closes our end of the output pipe, and what the
    // process logs while it shuts down would be lost.
    process.toHandle().destroy();
    return awaitExit(timeoutMillis);
  }

  /** Whether the process is still running. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: the process gets no chance to deregister. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
