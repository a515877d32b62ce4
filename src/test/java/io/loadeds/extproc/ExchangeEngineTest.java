package io.loadeds.extproc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse.ResponseCase;
import io.loadeds.extproc.testing.Outcome;
import io.loadeds.extproc.testing.SimulatedEnvoy;
import io.loadeds.extproc.testing.SimulatedExchange;
import io.loadeds.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The SDK as a processor author sees it, driven through its own test kit. */
class ExchangeEngineTest {
  private static final Map<String, String> GET = Map.of(":method", "GET", ":path", "/a");

  /** Does nothing: every phase must still get the answer of its own type. */
  static final class Nothing implements Processor {}

  @Test
  void aProcessorWithoutCallbacksLetsEveryPhaseContinueWithTheMatchingAnswerType() {
    SimulatedExchange x = SimulatedEnvoy.of(new Nothing()).exchange();

    List<ResponseCase> cases = new ArrayList<>();
    cases.add(x.requestHeaders(GET).response().getResponseCase());
    cases.add(x.requestBody("b", true).response().getResponseCase());
    cases.add(x.requestTrailers(Map.of("t", "1")).response().getResponseCase());
    cases.add(x.responseHeaders(Map.of(":status", "200")).response().getResponseCase());
    cases.add(x.responseBody("r", true).response().getResponseCase());
    cases.add(x.responseTrailers(Map.of("t", "2")).response().getResponseCase());

    assertThat(cases)
        .containsExactly(
            ResponseCase.REQUEST_HEADERS,
            ResponseCase.REQUEST_BODY,
            ResponseCase.REQUEST_TRAILERS,
            ResponseCase.RESPONSE_HEADERS,
            ResponseCase.RESPONSE_BODY,
            ResponseCase.RESPONSE_TRAILERS);
  }

  @Test
  void headerMutationsAddUpAcrossTheChainAndTheLaterSetWins() {
    Processor first =
        new Processor() {
          @Override
          public void onRequestHeaders(PhaseContext p) {
            p.setHeader("X-Tier", "silver").addHeader("x-seen", "first").removeHeader("Cookie");
          }
        };
    Processor second =
        new Processor() {
          @Override
          public void onRequestHeaders(PhaseContext p) {
            p.setHeader("x-tier", "gold");
          }
        };

    Outcome r = SimulatedEnvoy.of(first, second).exchange().requestHeaders(GET);

    assertThat(r.headersSet()).containsEntry("x-tier", "gold");
    assertThat(r.headersAppended()).containsEntry("x-seen", "first");
    assertThat(r.headersRemoved()).containsExactly("cookie");
  }

  @Test
  void bodiesAreReplacedInBodyPhasesAndFromAHeadersPhaseWithContinueAndReplace() {
    Processor p =
        new Processor() {
          @Override
          public void onRequestBody(PhaseContext c) {
            c.replaceBody(c.bodyText().toUpperCase());
          }

          @Override
          public void onResponseHeaders(PhaseContext c) {
            c.replaceBody("{\"replaced\":true}");
          }

          @Override
          public void onResponseBody(PhaseContext c) {
            c.clearBody();
          }
        };
    SimulatedExchange x = SimulatedEnvoy.of(p).exchange();
    x.requestHeaders(GET);

    assertThat(x.requestBody("hello", true).bodyReplaced()).contains("HELLO");
    Outcome headers = x.responseHeaders(Map.of(":status", "200"));
    assertThat(headers.bodyReplaced()).contains("{\"replaced\":true}");
    assertThat(headers.response().getResponseHeaders().getResponse().getStatus())
        .isEqualTo(CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE);
    assertThat(x.responseBody("secret", true).bodyReplaced()).contains("");
  }

  @Test
  void trailersCanBeMutatedButABodyChangeThereFailsTheExchangeNamingProcessorAndPhase() {
    Processor p =
        new Processor() {
          @Override
          public void onRequestTrailers(PhaseContext c) {
            c.setHeader("x-checksum", c.headers().get("grpc-status").orElse("?"));
          }

          @Override
          public void onResponseTrailers(PhaseContext c) {
            c.replaceBody("nope");
          }
        };
    SimulatedExchange x = SimulatedEnvoy.of(ProcessorChain.of(clock(), p)).exchange();
    x.requestHeaders(GET);

    assertThat(x.requestTrailers(Map.of("grpc-status", "0")).headersSet())
        .containsEntry("x-checksum", "0");
    Outcome r = x.responseTrailers(Map.of());
    assertThat(r.failed()).isTrue();
    assertThat(r.grpcStatus()).isEqualTo(ExchangeFailure.INTERNAL);
    assertThat(r.failureDescription())
        .contains("response_trailers")
        .contains("replaceBody is not possible");
  }

  @Test
  void stateAttributesMetadataAndHeadersLastForTheWholeExchange() {
    MutableClock clock = clock();
    List<String> seen = new ArrayList<>();
    Processor p =
        new Processor() {
          @Override
          public void onRequestHeaders(PhaseContext c) {
            c.exchange().put("tenant", c.headers().get("x-tenant").orElseThrow());
            clock.advance(Duration.ofMillis(40));
          }

          @Override
          public void onResponseHeaders(PhaseContext c) {
            Exchange x = c.exchange();
            seen.add(x.get("tenant", String.class).orElseThrow());
            seen.add(x.requestHeaders().get(":path").orElseThrow());
            seen.add(x.attributeText("request.path").orElseThrow());
            seen.add(x.metadata("io.loadeds", "zone").map(v -> v.getStringValue()).orElseThrow());
            seen.add(x.grpcMetadata().get("x-route").orElseThrow());
            seen.add(Long.toString(x.elapsed().toMillis()));
            c.setHeader("x-tenant", x.get("tenant", String.class).orElseThrow());
          }
        };
    SimulatedExchange x =
        SimulatedEnvoy.of(ProcessorChain.of(clock, p)).exchange(Map.of("x-route", "r1"));

    x.attribute("request.path", "/a").metadata("io.loadeds", "zone", "eu-1a");
    x.requestHeaders(Map.of(":path", "/a", "X-Tenant", "t1"));
    Outcome r = x.responseHeaders(Map.of(":status", "200"));

    assertThat(seen).containsExactly("t1", "/a", "/a", "eu-1a", "r1", "40");
    assertThat(r.headersSet()).containsEntry("x-tenant", "t1");
    assertThat(x.exchange().startedAt()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
  }

  @Test
  void anImmediateResponseStopsTheChainAndEndsTheExchange() {
    List<String> ran = new ArrayList<>();
    Processor deny =
        new Processor() {
          @Override
          public void onRequestHeaders(PhaseContext c) {
            ran.add("deny");
            c.respond(
                ImmediateReply.status(403)
                    .withHeader("x-why", "no")
                    .withBody("forbidden")
                    .withGrpcStatus(7)
                    .withDetails("denied"));
          }
        };
    Processor later =
        new Processor() {
          @Override
          public void onRequestHeaders(PhaseContext c) {
            ran.add("later");
          }

          @Override
          public void onExchangeEnd(Exchange x) {
            ran.add("end");
          }
        };
    SimulatedExchange x = SimulatedEnvoy.of(deny, later).exchange();

    Outcome r = x.requestHeaders(GET);

    assertThat(r.immediateStatus()).isEqualTo(403);
    assertThat(r.immediateHeaders()).containsEntry("x-why", "no");
    assertThat(r.immediateBody()).isEqualTo("forbidden");
    assertThat(r.immediate().orElseThrow().getGrpcStatus().getStatus()).isEqualTo(7);
    assertThat(r.immediate().orElseThrow().getDetails()).isEqualTo("denied");
    assertThat(ran).containsExactly("deny", "end");
    assertThatThrownBy(() -> x.requestBody("more", true)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aThrowingPhaseFailsItsExchangeWithInternalAndTheProcessorsHearTheEnd() {
    List<String> ended = new ArrayList<>();
    Processor boom =
        new Processor() {
          @Override
          public void onRequestBody(PhaseContext c) {
            throw new IllegalStateException("bad body");
          }

          @Override
          public void onExchangeEnd(Exchange x) {
            ended.add("ended " + x.id());
          }
        };
    SimulatedEnvoy envoy =
        SimulatedEnvoy.of(new ProcessorChain(List.of(named("boom", boom)), clock()));
    SimulatedExchange x = envoy.exchange();
    x.requestHeaders(GET);

    Outcome r = x.requestBody("x", true);

    assertThat(r.grpcStatus()).isEqualTo(ExchangeFailure.INTERNAL);
    assertThat(r.failureDescription())
        .isEqualTo("processor 'boom' failed in request_body: IllegalStateException: bad body");
    assertThat(ended).containsExactly("ended 1");
    // Another exchange of the same processor is not affected.
    assertThat(envoy.exchange().requestHeaders(GET).answered()).isTrue();
  }

  @Test
  void aMessageWithoutAPhaseIsInvalidArgument() {
    Outcome r = SimulatedEnvoy.of(new Nothing()).exchange().send(ProcessingRequest.newBuilder());

    assertThat(r.grpcStatus()).isEqualTo(ExchangeFailure.INVALID_ARGUMENT);
  }

  @Test
  void inObservabilityModeTheProcessorsRunButNothingIsSentBack() {
    List<String> ran = new ArrayList<>();
    Processor p =
        new Processor() {
          @Override
          public void onRequestHeaders(PhaseContext c) {
            ran.add(c.exchange().observing() ? "observing" : "inline");
            c.setHeader("x-a", "b");
          }
        };

    Outcome r = SimulatedEnvoy.of(p).exchange().observability(true).requestHeaders(GET);

    assertThat(r.answered()).isFalse();
    assertThat(ran).containsExactly("observing");
  }

  @Test
  void aChainThatNeedsFewerPhasesAsksEnvoyToSkipTheRestKeepingTheAnnouncedBodyMode() {
    Processor headersAndRequestBody =
        new Processor() {
          @Override
          public Set<Phase> phases() {
            return EnumSet.of(Phase.REQUEST_HEADERS, Phase.REQUEST_BODY);
          }
        };
    SimulatedExchange x = SimulatedEnvoy.of(headersAndRequestBody).exchange();
    x.bodyModes(BodySendMode.STREAMED, BodySendMode.BUFFERED);

    ProcessingMode mode = x.requestHeaders(GET).modeOverride().orElseThrow();

    assertThat(mode.getRequestHeaderMode()).isEqualTo(HeaderSendMode.SEND);
    assertThat(mode.getRequestBodyMode()).isEqualTo(BodySendMode.STREAMED);
    assertThat(mode.getResponseHeaderMode()).isEqualTo(HeaderSendMode.SKIP);
    assertThat(mode.getResponseBodyMode()).isEqualTo(BodySendMode.NONE);
    assertThat(mode.getRequestTrailerMode()).isEqualTo(HeaderSendMode.SKIP);
    assertThat(mode.getResponseTrailerMode()).isEqualTo(HeaderSendMode.SKIP);
    // Asked once, on the request headers only.
    assertThat(x.requestBody("b", true).modeOverride()).isEmpty();
  }

  @Test
  void aChainWithADefaultProcessorAsksForNoOverrideAndAnExplicitOneWins() {
    SimulatedExchange all = SimulatedEnvoy.of(new Nothing()).exchange();
    assertThat(all.requestHeaders(GET).modeOverride()).isEmpty();

    ProcessingMode skipAll =
        ProcessingMode.newBuilder().setResponseHeaderMode(HeaderSendMode.SKIP).build();
    Processor explicit =
        new Processor() {
          @Override
          public void onRequestHeaders(PhaseContext c) {
            c.overrideMode(skipAll);
          }

          @Override
          public void onResponseHeaders(PhaseContext c) {
            c.overrideMode(skipAll);
          }
        };
    SimulatedExchange x = SimulatedEnvoy.of(explicit).exchange();
    assertThat(x.requestHeaders(GET).modeOverride()).contains(skipAll);
    assertThat(x.responseHeaders(Map.of()).failureDescription())
        .contains("overrideMode is only honoured in request_headers");
  }

  @Test
  void headersReadRawValuesAndIgnoreCase() {
    Headers h =
        Headers.of(
            HeaderMap.newBuilder()
                .addHeaders(
                    HeaderValue.newBuilder()
                        .setKey("x-raw")
                        .setRawValue(ByteString.copyFromUtf8("bytes")))
                .addHeaders(HeaderValue.newBuilder().setKey("Accept").setValue("a"))
                .addHeaders(HeaderValue.newBuilder().setKey("accept").setValue("b"))
                .build());

    assertThat(h.get("X-RAW")).contains("bytes");
    assertThat(h.all("accept")).containsExactly("a", "b");
    assertThat(h.get("missing")).isEmpty();
  }

  private static ProcessorChain.Named named(String name, Processor p) {
    return new ProcessorChain.Named(name, p);
  }

  private static MutableClock clock() {
    return new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  }
}
