package io.loadeds.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loadeds.config.ExtProcConfig;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.transport.LoadEdsServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ext_proc exchanges in flight when shutdown starts may finish within the grace, on a connection
 * where Envoy keeps opening exchanges for new requests until it hears the server's GOAWAY. An
 * exchange opened just as that GOAWAY leaves must not cost the others on the connection their end.
 */
class ExtProcShutdownTest {
  // The race is a matter of microseconds: with one GOAWAY, about one round in three lost it.
  private static final int ROUNDS = 8;

  @Test
  void anExchangeOpenedAsShutdownBeginsDoesNotCutTheOnesFinishingOnItsConnection()
      throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      Vertx vertx = Vertx.vertx();
      ManagedChannel channel = null;
      try {
        LoadEdsServer server =
            LoadEdsServer.start(
                    vertx,
                    ServerConfig.defaults()
                        .withHttp(
                            HttpConfig.defaults()
                                .withHost("127.0.0.1")
                                .withPort(0)
                                .withEventLoops(1)
                                .withShutdownGrace(Duration.ofSeconds(5)))
                        .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO))
                        .withExtProc(
                            ExtProcConfig.defaults().withProcessors(List.of("every-phase"))),
                    Clock.systemUTC())
                .await();
        channel =
            Grpc.newChannelBuilderForAddress(
                    "127.0.0.1", server.port(), InsecureChannelCredentials.create())
                .build();
        EnvoyStream open = stream(channel);
        open.requestHeaders(Map.of(":path", "/in-flight"));

        Future<Void> closed = server.close();
        // At once, on the same connection, as Envoy does for the next request: it may reach the
        // server just after its GOAWAY. Whether it is served or refused does not matter here.
        EnvoyStream late = stream(channel);
        late.send(
            io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest.newBuilder()
                .setRequestHeaders(
                    io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders.newBuilder()
                        .setHeaders(EnvoyStream.headers(Map.of(":path", "/late"))))
                .build());

        ProcessingResponse answer = open.responseHeaders(Map.of(":status", "200"));
        assertThat(answer.hasResponseHeaders()).as("round %d", round).isTrue();
        open.finish();
        Status status = open.awaitStatus();
        assertThat(status.getCode()).as("round %d: %s", round, status).isEqualTo(Status.Code.OK);
        late.cancel();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        closed.await(10, TimeUnit.SECONDS);
      } finally {
        if (channel != null) {
          channel.shutdownNow();
        }
        vertx.close().await();
      }
    }
  }

  private static EnvoyStream stream(ManagedChannel channel) {
    return new EnvoyStream(channel, Map.of(ExtProcService.PROCESSORS_HEADER, "every-phase"));
  }
}
