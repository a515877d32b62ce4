package io.loadeds.xds.delta;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
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
 * A fake stream end that checks the delta invariants on every send: the nonce is new on this
 * stream; {@code system_version_info} is set; the type URL is one the stream serves and matches
 * every resource; each resource's name is the name inside it and its version is the hash of its
 * content; no name appears twice in a response (resources and removed together); and a type never
 * has two un-ACKed responses (the client tells the sink what it answered through {@link
 * #answered}). It also keeps what the client holds after each response, as the client would. A
 * violation fails the call that sent and is remembered for {@link #assertNoViolations}.
 * Thread-safe.
 */
final class CheckedDeltaSink implements DeltaStream.Sink {
  /** How the stream was ended. */
  record Failure(int grpcStatus, String description) {}

  private final ResourceType only;
  private final BlockingQueue<DeltaDiscoveryResponse> sent = new LinkedBlockingQueue<>();
  private final Set<String> nonces = new HashSet<>();
  private final Map<String, String> unacked = new HashMap<>();
  private final Map<ResourceType, Map<String, String>> held = new EnumMap<>(ResourceType.class);
  private final List<String> violations = new ArrayList<>();
  private volatile Failure failure;

  /**
   * @param only the type a per-type service serves, or null for ADS
   */
  CheckedDeltaSink(ResourceType only) {
    this.only = only;
  }

  @Override
  public synchronized void send(DeltaDiscoveryResponse r) {
    check(failure == null, "a response after the stream failed");
    check(!r.getNonce().isEmpty(), "an empty nonce");
    check(nonces.add(r.getNonce()), "nonce " + r.getNonce() + " sent twice");
    check(!r.getSystemVersionInfo().isEmpty(), "an empty system_version_info");
    Optional<ResourceType> type = ResourceType.fromTypeUrl(r.getTypeUrl());
    check(type.isPresent(), "unknown type_url '" + r.getTypeUrl() + "'");
    check(only == null || type.get() == only, r.getTypeUrl() + " on a " + only + " stream");
    Set<String> names = new HashSet<>();
    for (Resource res : r.getResourcesList()) {
      check(names.add(res.getName()), res.getName() + " twice in one response");
      check(res.getResource().getTypeUrl().equals(r.getTypeUrl()), "a foreign resource type");
      check(
          DeltaMessages.innerName(res.getResource()).equals(res.getName()),
          "resource " + res.getName() + " carries another name");
      String hash = VersionedResource.hash(res.getResource().getValue().toByteArray());
      check(res.getVersion().equals(hash), res.getName() + " version is not its content hash");
    }
    for (String removed : r.getRemovedResourcesList()) {
      check(names.add(removed), removed + " twice in one response");
    }
    String pending = unacked.get(r.getTypeUrl());
    check(
        pending == null,
        "a second " + type.get() + " response while nonce " + pending + " is un-ACKed");
    unacked.put(r.getTypeUrl(), r.getNonce());
    Map<String, String> view = held.computeIfAbsent(type.get(), t -> new HashMap<>());
    r.getResourcesList().forEach(res -> view.put(res.getName(), res.getVersion()));
    r.getRemovedResourcesList().forEach(view::remove);
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

  /** What the client holds of a type after every response so far: name to version. */
  synchronized Map<String, String> held(ResourceType type) {
    return Map.copyOf(held.getOrDefault(type, Map.of()));
  }

  /** The next response, waiting at most 5 s for it. */
  DeltaDiscoveryResponse next() {
    DeltaDiscoveryResponse r = poll(Duration.ofSeconds(5));
    assertThat(r).as("a response").isNotNull();
    return r;
  }

  /** Asserts that nothing is sent within {@code wait} (zero: nothing has been sent yet). */
  void assertNothingSent(Duration wait) {
    assertThat(poll(wait)).as("an unexpected response").isNull();
  }

  void assertNothingSent() {
    assertNothingSent(Duration.ZERO);
  }

  Failure failure() {
    return failure;
  }

  synchronized void assertNoViolations() {
    assertThat(violations).as("delta protocol invariants").isEmpty();
  }

  private DeltaDiscoveryResponse poll(Duration wait) {
    try {
      return sent.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private void check(boolean ok, String what) {
    if (!ok) {
      violations.add(what);
      throw new AssertionError("delta invariant broken: " + what);
    }
  }
}
