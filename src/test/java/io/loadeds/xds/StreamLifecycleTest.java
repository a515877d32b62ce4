package io.loadeds.xds;

import static io.loadeds.xds.Responses.assignment;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.testing.RecordingCall;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How streams end: a client that goes away releases its watches, and a broken or oversized message
 * ends only its own stream, with a gRPC status, while other streams keep working.
 */
class StreamLifecycleTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;
  private static final int MAX_MESSAGE = 1024;

  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private void start() {
    server =
        TestServer.start(
            1,
            XdsConfig.defaults()
                .withWeightCoalesceWindow(Duration.ZERO)
                .withWarmUp(Duration.ZERO)
                .withMaxMessageBytes(MAX_MESSAGE));
    server.register("a", "a1", 8080);
    server.awaitPublished("a");
  }

  private XdsStream ads(ManagedChannel channel) {
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(channel)::streamAggregatedResources);
  }

  @Test
  void aClientCancelReleasesItsWatches() {
    start();
    XdsStream s = ads(server.channel());
    s.ack(s.subscribe(EDS, "a"), "a");
    s.subscribe(ResourceType.CLUSTER);
    assertThat(server.resources().watchCount(EDS)).isEqualTo(1);

    s.cancel();

    TestServer.await(
        () ->
            server.resources().watchCount(EDS) == 0
                && server.resources().watchCount(ResourceType.CLUSTER) == 0,
        "the watches to be released");
  }

  @Test
  void aClientHalfCloseEndsTheStreamWithOkAndReleasesItsWatches() {
    start();
    XdsStream s = ads(server.channel());
    s.ack(s.subscribe(EDS, "a"), "a");

    s.complete();

    assertThat(s.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    TestServer.await(() -> server.resources().watchCount(EDS) == 0, "the watch to be released");
  }

  @Test
  void aGarbageMessageEndsOnlyItsStreamWithInvalidArgument() {
    start();
    ManagedChannel channel = server.channel();
    XdsStream healthy = ads(channel);
    healthy.ack(healthy.subscribe(EDS, "a"), "a");
    RawStream broken = new RawStream(channel);
    broken.send(Responses.first(XdsStream.NODE, EDS, "a").toByteArray());
    broken.awaitResponse();
    assertThat(server.resources().watchCount(EDS)).isEqualTo(2);

    // Field 12 with wire type 7 does not exist: not a DiscoveryRequest.
    broken.send("garbage!".getBytes(StandardCharsets.UTF_8));

    Status status = broken.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("DiscoveryRequest");
    TestServer.await(() -> server.resources().watchCount(EDS) == 1, "its watch to be released");
    assertStillServes(healthy);
  }

  @Test
  void anOversizedMessageEndsOnlyItsStreamWithResourceExhausted() {
    start();
    ManagedChannel channel = server.channel();
    XdsStream healthy = ads(channel);
    healthy.ack(healthy.subscribe(EDS, "a"), "a");
    XdsStream big = ads(channel);
    big.ack(big.subscribe(EDS, "a"), "a");

    big.send(Responses.first(XdsStream.NODE, EDS, "a", "x".repeat(2 * MAX_MESSAGE)));

    Status status = big.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains(Integer.toString(MAX_MESSAGE));
    TestServer.await(() -> server.resources().watchCount(EDS) == 1, "its watch to be released");
    assertStillServes(healthy);
  }

  @Test
  void aMessageJustUnderTheLimitIsServed() {
    start();
    String name = "x".repeat(MAX_MESSAGE - 200);
    DiscoveryRequest request = Responses.first(XdsStream.NODE, EDS, name);
    assertThat(request.getSerializedSize()).isLessThan(MAX_MESSAGE);

    XdsStream s = ads(server.channel());
    s.send(request);

    assertThat(assignment(s.next()).getClusterName()).isEqualTo(name);
  }

  /**
   * A stream is the node of its first request. Envoy sends its whole node again with every ACK;
   * those later nodes are not even decoded (only their framing is checked), while a first request
   * whose node is not a Node ends the stream.
   */
  @Test
  void onlyTheFirstRequestsNodeIsDecoded() {
    start();
    byte[] notANode = {0x12, 3, (byte) 0xff, (byte) 0xff, (byte) 0xff}; // field 2, 3 bad bytes
    RawStream s = new RawStream(server.channel());
    s.send(Responses.first(XdsStream.NODE, EDS, "a").toByteArray());
    DiscoveryResponse first = s.awaitResponse();

    s.send(withoutNode(Responses.ack(first, "a"), notANode));
    server.register("a", "a2", 8081);
    DiscoveryResponse second = s.awaitResponse();
    assertThat(ports(assignment(second))).containsExactlyInAnyOrder(8080, 8081);
    // Requests are handled in order: this one's answer shows the odd ACK did not end the stream.
    s.send(withoutNode(Responses.ack(second, "a"), notANode));
    server.register("a", "a3", 8082);
    assertThat(ports(assignment(s.awaitResponse()))).containsExactlyInAnyOrder(8080, 8081, 8082);

    RawStream broken = new RawStream(server.channel());
    broken.send(withoutNode(Responses.first(XdsStream.NODE, EDS, "a"), notANode));
    Status status = broken.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("DiscoveryRequest");
  }

  private static byte[] withoutNode(DiscoveryRequest request, byte[] node) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(request.toBuilder().clearNode().build().toByteArray());
    out.writeBytes(node);
    return out.toByteArray();
  }

  private void assertStillServes(XdsStream healthy) {
    server.register("a", "a2", 8081);
    assertThat(ports(assignment(healthy.next()))).containsExactlyInAnyOrder(8080, 8081);
    assertThat(healthy.isClosed()).isFalse();
  }

  /** An ADS call whose requests are sent as the bytes given. */
  private static final class RawStream {
    private final RecordingCall<byte[], DiscoveryResponse> call = new RecordingCall<>();

    RawStream(ManagedChannel channel) {
      MethodDescriptor<DiscoveryRequest, DiscoveryResponse> ads =
          AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod();
      MethodDescriptor<byte[], DiscoveryResponse> method =
          ads.toBuilder(new RawBytes(), ads.getResponseMarshaller()).build();
      ClientCalls.asyncBidiStreamingCall(channel.newCall(method, CallOptions.DEFAULT), call);
    }

    void send(byte[] bytes) {
      call.requests().onNext(bytes);
    }

    DiscoveryResponse awaitResponse() {
      return call.next(Duration.ofSeconds(10));
    }

    Status awaitStatus() {
      return call.awaitStatus(Duration.ofSeconds(10));
    }
  }

  /** Sends bytes unchanged. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return ByteString.readFrom(stream).toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
