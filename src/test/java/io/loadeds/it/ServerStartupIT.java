package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.config.ConfigKey;
import io.vertx.core.transport.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starting the server jar as a user does: {@code --help}, a bad configuration (exit 2, also for a
 * tokens file read only at start), a port that cannot be bound (exit 1), each with one clear line;
 * the environment; and SIGTERM. Needs the jar built by {@code mvn verify} (failsafe runs it after
 * {@code package}).
 */
class ServerStartupIT {
  private static final String JAR = "loadeds.serverJar";
  private static final long EXIT_TIMEOUT_MS = 30_000;
  private static final String INVALID = "loadeds: invalid configuration:";

  private final List<JavaProcess> processes = new ArrayList<>();

  @TempDir Path tmp;

  @AfterEach
  void stopAll() throws InterruptedException {
    for (JavaProcess p : processes) {
      p.close();
    }
  }

  private JavaProcess start(Map<String, String> env, String... args) throws IOException {
    JavaProcess p = JavaProcess.start("server", JAR, env, args);
    processes.add(p);
    return p;
  }

  /** Runs the server to its end; only what the server printed (see {@link #ours}). */
  private JavaProcess.Exit run(Map<String, String> env, String... args) throws Exception {
    JavaProcess.Exit exit = start(env, args).awaitExitAndOutput(EXIT_TIMEOUT_MS);
    return new JavaProcess.Exit(exit.code(), ours(exit.lines()));
  }

  /**
   * Drops the JVM's own notice of {@code JAVA_TOOL_OPTIONS} / {@code _JAVA_OPTIONS}, which a CI
   * machine may set: it is not the server's output.
   */
  private static List<String> ours(List<String> lines) {
    return lines.stream().filter(l -> !l.startsWith("Picked up ")).toList();
  }

  @Test
  void helpListsEveryFlagWithItsEnvironmentVariable() throws Exception {
    JavaProcess.Exit exit = run(Map.of(), "--help");

    assertThat(exit.code()).as("exit code of --help").isZero();
    String help = String.join("\n", exit.lines());
    assertThat(help).contains("--config=FILE", "LOADEDS_CONFIG");
    for (ConfigKey key : ConfigKey.ALL) {
      assertThat(help).as("--help").contains(key.flag() + "=", key.env());
    }
  }

  @Test
  void aPortOutOfRangeStopsWithExitCode2AndOneLine() throws Exception {
    JavaProcess.Exit exit = run(Map.of(), "--port=70000");

    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.lines()).singleElement().asString().startsWith(INVALID).contains("http.port");
  }

  @Test
  void anUnknownFlagStopsWithExitCode2AndOneLine() throws Exception {
    JavaProcess.Exit exit = run(Map.of(), "--host=127.0.0.1", "--port=0", "--no-such-flag=1");

    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.lines()).singleElement().asString().startsWith(INVALID).contains("--no-such");
  }

  @Test
  void anUnknownTransportStopsWithExitCode2ListingTheValues() throws Exception {
    JavaProcess.Exit exit = run(Map.of(), "--host=127.0.0.1", "--port=0", "--transport=netty");

    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.lines())
        .singleElement()
        .asString()
        .startsWith(INVALID)
        .contains("http.transport must be one of auto, nio, epoll, io_uring, not 'netty'");
  }

  @Test
  void aTypoInTheConfigFileStopsWithExitCode2NamingTheKey() throws Exception {
    Path file = Files.writeString(tmp.resolve("loadeds.yaml"), "http:\n  prot: 18001\n");

    JavaProcess.Exit exit = run(Map.of(), "--host=127.0.0.1", "--port=0", "--config=" + file);

    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.lines()).singleElement().asString().startsWith(INVALID).contains("http.prot");
  }

  @Test
  void aBadValueInTheEnvironmentStopsWithExitCode2NamingTheKey() throws Exception {
    JavaProcess.Exit exit = run(Map.of("LOADEDS_HTTP_PORT", "70000"));

    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.lines()).singleElement().asString().startsWith(INVALID).contains("http.port");
  }

  @Test
  void aBadTokensFileStopsWithExitCode2NamingTheFileAndTheFaultButNotTheToken() throws Exception {
    String token = "s3cret-0123456789abcdef";
    Path malformed =
        Files.writeString(tmp.resolve("tokens.yaml"), "global: " + token + "\nclusters: [\n");
    Path tooShort = Files.writeString(tmp.resolve("short.yaml"), "clusters:\n  shop: s3cret\n");

    JavaProcess.Exit bad =
        run(Map.of(), "--host=127.0.0.1", "--port=0", "--tokens-file=" + malformed);
    JavaProcess.Exit missing =
        run(
            Map.of("LOADEDS_AUTH_TOKENS_FILE", tmp.resolve("missing.yaml").toString()),
            "--host=127.0.0.1",
            "--port=0");
    JavaProcess.Exit weak =
        run(Map.of(), "--host=127.0.0.1", "--port=0", "--tokens-file=" + tooShort);

    assertThat(bad.code()).as(bad.lines().toString()).isEqualTo(2);
    assertThat(bad.lines())
        .singleElement()
        .asString()
        .startsWith(INVALID + " auth.tokensFile " + malformed + ": not valid YAML or JSON (line ")
        .doesNotContain("s3cret");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.lines())
        .singleElement()
        .asString()
        .isEqualTo(INVALID + " auth.tokensFile " + tmp.resolve("missing.yaml") + ": no such file");
    assertThat(weak.code()).isEqualTo(2);
    assertThat(weak.lines())
        .singleElement()
        .asString()
        .startsWith(INVALID + " auth.tokensFile " + tooShort + ": clusters.shop is shorter than")
        .doesNotContain("s3cret");
  }

  @Test
  void aMalformedPemFileStopsWithExitCode2NamingTheSetting() throws Exception {
    Path cert = Files.writeString(tmp.resolve("cert.pem"), "not a certificate\n");
    Path key = Files.writeString(tmp.resolve("key.pem"), "not a key\n");

    JavaProcess.Exit exit =
        run(Map.of(), "--host=127.0.0.1", "--port=0", "--cert-file=" + cert, "--key-file=" + key);

    assertThat(exit.code()).as(exit.lines().toString()).isEqualTo(2);
    assertThat(exit.lines())
        .singleElement()
        .asString()
        .startsWith(
            INVALID + " tls.certFile " + cert + " and tls.keyFile " + key + " cannot be used");
  }

  @Test
  void aPortInUseStopsWithExitCode1AndOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();

      JavaProcess.Exit exit = run(Map.of(), "--host=127.0.0.1", "--port=" + port);

      assertThat(exit.code()).isEqualTo(1);
      assertThat(exit.lines())
          .singleElement()
          .asString()
          .startsWith("loadeds: cannot start")
          .contains("127.0.0.1:" + port);
    }
  }

  @Test
  void theEnvironmentIsReadAndFlagsOverrideIt() throws Exception {
    // The host comes from the environment; the port flag wins over the environment's bad port.
    JavaProcess server =
        start(Map.of("LOADEDS_HTTP_HOST", "127.0.0.1", "LOADEDS_HTTP_PORT", "70000"), "--port=0");

    int port = server.awaitLoopbackPort(EXIT_TIMEOUT_MS);

    assertThat(port).isPositive();
  }

  @Test
  void aServerOnAFreePortAnswersAndStopsOnSigterm() throws Exception {
    JavaProcess server = start(Map.of(), "--host=127.0.0.1", "--port=0");
    int port = server.awaitLoopbackPort(EXIT_TIMEOUT_MS);
    HttpResponse<String> clusters =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/clusters"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(clusters.statusCode()).isEqualTo(200);
    // The start line names the transport auto picked: epoll where it loads (as in this JVM).
    String transport = Transport.EPOLL.available() ? "epoll" : "nio";
    assertThat(server.output()).contains("(REST and xDS, " + transport + " transport)");

    long start = System.nanoTime();
    server.terminate(10_000);

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(server.output()).doesNotContain("unclean shutdown");
  }
}
