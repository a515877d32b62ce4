package io.loadeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.loadeds.config.AuthConfig;
import io.loadeds.config.ConfigException;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code Main} ends a start that failed: a configuration read only at start (tokens file,
 * allow-list) exits 2 with one line like a bad flag; anything else exits 1 naming the address. The
 * real jar's exit codes are checked by {@code ServerStartupIT}.
 */
class MainTest {
  private final Vertx vertx = Vertx.vertx();
  @TempDir Path tmp;

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static ServerConfig config(AuthConfig auth) {
    return ServerConfig.defaults()
        .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(1))
        .withAuth(auth);
  }

  /** Starts a server that must fail, and returns how Main would end. */
  private Main.Failure failedStart(ServerConfig config) {
    Throwable failure =
        catchThrowable(
            () ->
                LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(30, TimeUnit.SECONDS));
    assertThat(failure).as("the start fails").isNotNull();
    return Main.startFailure(failure, config);
  }

  @Test
  void aMalformedTokensFileExits2NamingTheFileAndTheFaultButNotTheToken() throws IOException {
    Path tokens = Files.writeString(tmp.resolve("tokens.yaml"), "global: \"s3cret-0123456789abc\n");

    Main.Failure f = failedStart(config(AuthConfig.defaults().withTokensFile(tokens.toString())));

    assertThat(f.status()).isEqualTo(2);
    assertThat(f.message())
        .startsWith("loadeds: invalid configuration: auth.tokensFile " + tokens + ": not valid")
        .doesNotContain("s3cret", "\n");
  }

  @Test
  void aMissingTokensFileExits2() {
    Path missing = tmp.resolve("missing.yaml");

    Main.Failure f = failedStart(config(AuthConfig.defaults().withTokensFile(missing.toString())));

    assertThat(f)
        .isEqualTo(
            new Main.Failure(
                2,
                "loadeds: invalid configuration: auth.tokensFile " + missing + ": no such file"));
  }

  @Test
  void aBadRangeInTheAddressAllowListExits2() {
    Main.Failure f =
        failedStart(
            config(
                AuthConfig.defaults()
                    .withAllowedAddresses(Map.of("shop", List.of("10.0.0.0/8", "10.1.2.3/40")))));

    assertThat(f.status()).isEqualTo(2);
    assertThat(f.message())
        .startsWith("loadeds: invalid configuration: auth.allowedAddresses")
        .contains("shop", "10.1.2.3/40");
  }

  @Test
  void aStartFailureThatIsNotTheConfigurationExits1NamingTheAddress() {
    ServerConfig config = config(AuthConfig.defaults());

    Main.Failure f = Main.startFailure(new BindException("Address already in use"), config);
    Main.Failure wrapped =
        Main.startFailure(
            new IllegalStateException("x", new ConfigException("tls.certFile: two\nlines")),
            config);

    assertThat(f)
        .isEqualTo(
            new Main.Failure(1, "loadeds: cannot start on 127.0.0.1:0: Address already in use"));
    assertThat(wrapped)
        .as("a config error found anywhere in the causes is one")
        .isEqualTo(new Main.Failure(2, "loadeds: invalid configuration: tls.certFile: two lines"));
  }
}
