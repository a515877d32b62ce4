package io.loadeds.e2e;

import io.loadeds.config.HttpConfig;
import io.loadeds.config.LoadConfig;
import io.loadeds.config.LoadSource;
import io.loadeds.config.ServerConfig;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LrsScenario} against a server in this JVM, built by the wiring Main uses: a grpc-java
 * proxyless client's LRS reports take a backend that never reports its own load out of EDS at its
 * capacity, and back when its calls end. ({@code LrsIT} runs the same against the jar.)
 */
class LrsEndToEndTest {
  private Vertx vertx;
  private LoadEdsServer server;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0))
            .withLoad(
                LoadConfig.defaults()
                    .withSource(LoadSource.LRS)
                    .withLrsInterval(Duration.ofMillis(250)));
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await();
  }

  @AfterEach
  void stop() {
    server.close().await();
    vertx.close().await();
  }

  @Test
  void anEndpointLeavesEdsWhenTheClientsInProgressCountReachesItsCapacity() throws Exception {
    try (LrsScenario scenario = new LrsScenario(server.port())) {
      scenario.run();
    }
  }
}
