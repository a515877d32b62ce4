package io.loadeds.extproc.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.extproc.testing.SimulatedEnvoy;
import io.loadeds.extproc.testing.SimulatedExchange;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code request-id}, through the SDK's simulated Envoy. */
class RequestIdProcessorTest {
  private final SimulatedEnvoy envoy = SimulatedEnvoy.of(new RequestIdProcessor());

  @Test
  void aRequestWithoutAnIdGetsAFreshOneAndTheClientSeesItOnTheResponse() {
    SimulatedExchange x = envoy.exchange();

    String id = x.requestHeaders(Map.of(":path", "/")).headersSet().get("x-request-id");
    String back = x.responseHeaders(Map.of(":status", "200")).headersSet().get("x-request-id");

    assertThat(UUID.fromString(id)).isNotNull();
    assertThat(back).isEqualTo(id);
    assertThat(envoy.exchange().requestHeaders(Map.of()).headersSet().get("x-request-id"))
        .as("each exchange its own id")
        .isNotEqualTo(id);
  }

  @Test
  void anIdTheRequestBringsIsKept() {
    SimulatedExchange x = envoy.exchange();

    assertThat(x.requestHeaders(Map.of("x-request-id", "abc-1")).headersSet())
        .containsEntry("x-request-id", "abc-1");
    assertThat(x.responseHeaders(Map.of()).headersSet()).containsEntry("x-request-id", "abc-1");
  }
}
