package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.loadeds.snapshot.ResourceType;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The client end of one xDS stream opened with a raw grpc-java stub: queues what arrives, checks
 * that every response has a new nonce and a version, and plays the client's part of the protocol.
 */
public final class XdsStream {
  public static final String NODE = "test-node";

  private final BlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> closed = new CompletableFuture<>();
  private final Set<String> nonces = new HashSet<>();
  private final StreamObserver<DiscoveryRequest> requests;
  private volatile ClientCallStreamObserver<DiscoveryRequest> call;

  /** Opens a stream with {@code open}, e.g. {@code AggregatedDiscoveryServiceStub::...}. */
  public XdsStream(
      Function<StreamObserver<DiscoveryResponse>, StreamObserver<DiscoveryRequest>> open) {
    this.requests = open.apply(new Observer());
  }

  /** Sends a request. */
  public XdsStream send(DiscoveryRequest request) {
    requests.onNext(request);
    return this;
  }

  /** Sends the first request of a type and returns its answer. */
  public DiscoveryResponse subscribe(ResourceType type, String... names) {
    send(Responses.first(NODE, type, names));
    return next();
  }

  /** ACKs {@code r}, naming the whole subscription. */
  public void ack(DiscoveryResponse r, String... names) {
    send(Responses.ack(r, names));
  }

  /** The next response, waiting at most 10 s. */
  public DiscoveryResponse next() {
    DiscoveryResponse r = poll(Duration.ofSeconds(10));
    assertThat(r).as("a response (stream status: %s)", closed.getNow(null)).isNotNull();
    return r;
  }

  /** Asserts that no response arrives within {@code wait}. */
  public void assertNothingWithin(Duration wait) {
    assertThat(poll(wait)).as("an unexpected response").isNull();
  }

  /** Half-closes the stream, as a client that is done. */
  public void complete() {
    requests.onCompleted();
  }

  /** Cancels the call, as a client that goes away. */
  public void cancel() {
    call.cancel("test cancels", null);
  }

  /** The status the stream ended with, waiting at most 10 s. */
  public Status awaitStatus() {
    try {
      return closed.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the stream did not end", e);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  private DiscoveryResponse poll(Duration wait) {
    try {
      return received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private final class Observer
      implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
    @Override
    public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(DiscoveryResponse r) {
      // Checked here, on every response; a broken one never reaches the test as valid.
      if (r.getNonce().isEmpty() || !nonces.add(r.getNonce()) || r.getVersionInfo().isEmpty()) {
        closed.complete(Status.INTERNAL.withDescription("broken response " + r));
        return;
      }
      received.add(r);
    }

    @Override
    public void onError(Throwable t) {
      closed.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      closed.complete(Status.OK);
    }
  }
}
