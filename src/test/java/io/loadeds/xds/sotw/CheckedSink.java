package io.loadeds.xds.sotw;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.snapshot.ResourceType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake stream end that checks the SotW invariants on every send: the nonce is new on this stream,
 * {@code version_info} is not empty, the type URL is one the stream serves and matches every
 * resource, and a type never has two un-ACKed responses (the client tells the sink what it answered
 * through {@link #answered}). A violation fails the call that sent, and is remembered for {@link
 * #assertNoViolations} in case it happened on another thread. Thread-safe.
 */
final class CheckedSink implements SotwStream.Sink {
  /** How the stream was ended. */
  record Failure(int grpcStatus, String description) {}

  private final ResourceType only;
  private final BlockingQueue<DiscoveryResponse> sent = new LinkedBlockingQueue<>();
  private final Set<String> nonces = new HashSet<>();
  private final Map<String, String> unacked = new HashMap<>();
  private final List<String> violations = new ArrayList<>();
  private volatile Failure failure;

  /**
   * @param only the type a per-type service serves, or null for ADS
   */
  CheckedSink(ResourceType only) {
    this.only = only;
  }

  @Override
  public synchronized void send(DiscoveryResponse r) {
    check(failure == null, "a response after the stream failed");
    check(!r.getNonce().isEmpty(), "an empty nonce");
    check(nonces.add(r.getNonce()), "nonce " + r.getNonce() + " sent twice");
    check(!r.getVersionInfo().isEmpty(), "an empty version_info");
    Optional<ResourceType> type = ResourceType.fromTypeUrl(r.getTypeUrl());
    check(type.isPresent(), "unknown type_url '" + r.getTypeUrl() + "'");
    check(only == null || type.get() == only, r.getTypeUrl() + " on a " + only + " stream");
    for (Any a : r.getResourcesList()) {
      check(a.getTypeUrl().equals(r.getTypeUrl()), a.getTypeUrl() + " in a " + r.getTypeUrl());
    }
    String pending = unacked.get(r.getTypeUrl());
    check(
        pending == null,
        "a second " + type.get() + " response while nonce " + pending + " is un-ACKed");
    unacked.put(r.getTypeUrl(), r.getNonce());
    sent.add(r);
  }

  @Override
  public synchronized void fail(int grpcStatus, String description) {
    check(failure == null, "the stream failed twice");
    failure = new Failure(grpcStatus, description);
  }

  /** The client answered (ACK or NACK) the response with this nonce. */
  synchronized void answered(String typeUrl, String nonce) {
    if (nonce.equals(unacked.get(typeUrl))) {
      unacked.remove(typeUrl);
    }
  }

  /** The next response, waiting at most 5 s for it. */
  DiscoveryResponse next() {
    try {
      DiscoveryResponse r = sent.poll(5, TimeUnit.SECONDS);
      assertThat(r).as("a response").isNotNull();
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Asserts that nothing is sent within {@code wait} (zero: nothing has been sent yet). */
  void assertNothingSent(Duration wait) {
    try {
      DiscoveryResponse r = sent.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(r).as("an unexpected response").isNull();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  void assertNothingSent() {
    assertNothingSent(Duration.ZERO);
  }

  Failure failure() {
    return failure;
  }

  synchronized void assertNoViolations() {
    assertThat(violations).as("protocol invariants").isEmpty();
  }

  private void check(boolean ok, String what) {
    if (!ok) {
      violations.add(what);
      throw new AssertionError("SotW invariant broken: " + what);
    }
  }
}
