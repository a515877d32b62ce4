package io.loadeds.xds.delta;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The client end of one delta xDS stream opened with a raw grpc-java stub: queues what arrives and
 * checks that every response has a new nonce and a system version.
 */
public final class DeltaXdsStream {
  private final BlockingQueue<DeltaDiscoveryResponse> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> closed = new CompletableFuture<>();
  private final Set<String> nonces = new HashSet<>();
  private final StreamObserver<DeltaDiscoveryRequest> requests;

  /** Opens a stream with {@code open}, e.g. {@code stub::deltaAggregatedResources}. */
  public DeltaXdsStream(
      Function<StreamObserver<DeltaDiscoveryResponse>, StreamObserver<DeltaDiscoveryRequest>>
          open) {
    this.requests = open.apply(new Observer());
  }

  public DeltaXdsStream send(DeltaDiscoveryRequest request) {
    requests.onNext(request);
    return this;
  }

  /** ACKs {@code r}. */
  public void ack(DeltaDiscoveryResponse r) {
    send(DeltaMessages.ack(r));
  }

  /** The next response, waiting at most 10 s. */
  public DeltaDiscoveryResponse next() {
    DeltaDiscoveryResponse r = poll(Duration.ofSeconds(10));
    assertThat(r).as("a response (stream status: %s)", closed.getNow(null)).isNotNull();
    return r;
  }

  /** Asserts that no response arrives within {@code wait}. */
  public void assertNothingWithin(Duration wait) {
    assertThat(poll(wait)).as("an unexpected response").isNull();
  }

  /** Half-closes the stream and waits until the server has ended it. */
  public Status complete() {
    requests.onCompleted();
    return awaitStatus();
  }

  /** The status the stream ended with, waiting at most 10 s. */
  public Status awaitStatus() {
    try {
      return closed.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the stream did not end", e);
    }
  }

  private DeltaDiscoveryResponse poll(Duration wait) {
    try {
      return received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private final class Observer implements StreamObserver<DeltaDiscoveryResponse> {
    @Override
    public void onNext(DeltaDiscoveryResponse r) {
      // Checked on every response; a broken one never reaches the test as valid.
      if (r.getNonce().isEmpty()
          || !nonces.add(r.getNonce())
          || r.getSystemVersionInfo().isEmpty()) {
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
