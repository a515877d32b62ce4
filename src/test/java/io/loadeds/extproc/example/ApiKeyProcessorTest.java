package io.loadeds.extproc.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.extproc.testing.Outcome;
import io.loadeds.extproc.testing.SimulatedEnvoy;
import io.loadeds.extproc.testing.SimulatedExchange;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's example processor, tested the way the README shows. */
class ApiKeyProcessorTest {
  private final SimulatedEnvoy envoy = SimulatedEnvoy.of(new ApiKeyProcessor());

  @Test
  void aRequestWithoutKeyIsRefusedAt401() {
    Outcome r = envoy.exchange().requestHeaders(Map.of(":path", "/orders"));

    assertThat(r.immediateStatus()).isEqualTo(401);
    assertThat(r.immediateBody()).isEqualTo("x-api-key is missing");
  }

  @Test
  void theKeyIsStrippedAndTheResponseTimed() {
    SimulatedExchange x = envoy.exchange();

    assertThat(x.requestHeaders(Map.of("x-api-key", "k1")).headersRemoved())
        .containsExactly("x-api-key");
    assertThat(x.responseHeaders(Map.of(":status", "200")).headersSet())
        .containsKey("x-edge-time-ms");
  }
}
