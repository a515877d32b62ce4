package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loadeds.snapshot.ResourceType;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.server.GrpcServer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The binding's own bookkeeping of open streams, with a stand-in state machine: a stream the server
 * ends itself is no longer open, so shutdown neither counts it nor keeps it in memory.
 */
class GrpcBindingTest {
  private static final String FAIL = "fail";

  private Vertx vertx;
  private HttpServer http;
  private ManagedChannel channel;
  private GrpcBinding binding;

  /** Answers every request with an empty response, and fails the stream on a type "fail". */
  private static GrpcBinding.ProtocolStream<DiscoveryRequest> standIn(
      ResponseSink<DiscoveryResponse> sink) {
    return new GrpcBinding.ProtocolStream<>() {
      private int responses;

      @Override
      public void onRequest(DiscoveryRequest request) {
        if (request.getTypeUrl().equals(FAIL)) {
          sink.fail(Status.Code.INVALID_ARGUMENT.value(), "failed by the server");
        } else {
          String n = Integer.toString(++responses);
          sink.send(
              DiscoveryResponse.newBuilder()
                  .setTypeUrl(request.getTypeUrl())
                  .setVersionInfo(n)
                  .setNonce(n)
                  .build());
        }
      }

      @Override
      public void close() {}

      @Override
      public String nodeId() {
        return "";
      }
    };
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    binding = new GrpcBinding(XdsListener.NONE, new AtomicLong()::incrementAndGet, 1 << 20);
    GrpcServer grpc = GrpcServer.server(vertx);
    binding.<DiscoveryRequest, DiscoveryResponse>bind(
        grpc,
        "envoy.service.discovery.v3.AggregatedDiscoveryService",
        "StreamAggregatedResources",
        DiscoveryRequest.getDefaultInstance(),
        "sotw-ads",
        (id, sink, onContext) -> standIn(sink));
    http =
        vertx
            .createHttpServer()
            .requestHandler(grpc)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", http.actualPort(), InsecureChannelCredentials.create())
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private XdsStream open() {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(channel)::streamAggregatedResources);
  }

  @Test
  void aStreamTheServerFailsIsNoLongerOpen() {
    XdsStream served = open();
    served.subscribe(ResourceType.ENDPOINT, "a");
    XdsStream failed = open();
    failed.send(DiscoveryRequest.newBuilder().setTypeUrl(FAIL).build());
    assertThat(failed.awaitStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    // A round trip on the same connection after the failure: the server has seen what the client
    // did about the failed stream by then.
    served.send(Responses.first(XdsStream.NODE, ResourceType.CLUSTER));
    assertThat(served.next().getTypeUrl()).isEqualTo(ResourceType.CLUSTER.typeUrl());

    assertThat(binding.openStreams()).as("places held").isEqualTo(1);
    assertThat(binding.goAway("bye")).as("streams ended on shutdown").isEqualTo(1);
    assertThat(served.awaitStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  /**
   * The same with a client that does not answer the end of the stream (gRPC clients reset it, but
   * nothing obliges one to): the server's own end must be enough.
   */
  @Test
  void aStreamTheServerFailsIsNoLongerOpenEvenIfTheClientKeepsItsSideOpen() throws Exception {
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    byte[] message = DiscoveryRequest.newBuilder().setTypeUrl(FAIL).build().toByteArray();
    Buffer frame =
        Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message);
    HttpClientResponse response =
        client
            .request(
                HttpMethod.POST,
                http.actualPort(),
                "127.0.0.1",
                "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources")
            .compose(
                request -> {
                  request.putHeader("content-type", "application/grpc").putHeader("te", "trailers");
                  request.setChunked(true); // the API wants it before a write; moot on HTTP/2
                  request.write(frame); // and never end(): the client's side stays open
                  return request.response();
                })
            .compose(r -> r.end().map(v -> r)) // on the loop, before the end is handled
            .await(10, TimeUnit.SECONDS);
    String status = response.getHeader("grpc-status"); // a trailers-only response, or:
    assertThat(status == null ? response.getTrailer("grpc-status") : status).isEqualTo("3");

    assertThat(binding.openStreams()).as("places held").isZero();
    assertThat(binding.goAway("bye")).as("streams ended on shutdown").isZero();
  }
}
