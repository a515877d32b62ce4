package io.loadeds.registry;

import io.loadeds.config.RegistryConfig;
import io.loadeds.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Small builders shared by the registry tests. */
final class Fixtures {
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final String CLUSTER = "svc";

  private Fixtures() {}

  static EndpointKey key(String id) {
    return new EndpointKey(CLUSTER, id);
  }

  static Registration reg(String address, int port) {
    return Registration.of(address, port);
  }

  static Registration loaded(String address, Integer capacity, int active) {
    return Registration.of(address, 8080).withLoad(capacity, active);
  }

  static Registration withWeight(Registration r, Integer weight) {
    return new Registration(
        r.address(),
        r.port(),
        r.capacity(),
        r.active(),
        weight,
        r.ttl(),
        r.locality(),
        r.metadata());
  }

  static Registration withLocality(Registration r, Locality locality) {
    return new Registration(
        r.address(),
        r.port(),
        r.capacity(),
        r.active(),
        r.weight(),
        r.ttl(),
        locality,
        r.metadata());
  }

  static Registration withMetadata(Registration r, Map<String, String> metadata) {
    return new Registration(
        r.address(),
        r.port(),
        r.capacity(),
        r.active(),
        r.weight(),
        r.ttl(),
        r.locality(),
        metadata);
  }

  static Registration withPort(Registration r, int port) {
    return new Registration(
        r.address(),
        port,
        r.capacity(),
        r.active(),
        r.weight(),
        r.ttl(),
        r.locality(),
        r.metadata());
  }

  static Registration withAddress(Registration r, String address) {
    return new Registration(
        address,
        r.port(),
        r.capacity(),
        r.active(),
        r.weight(),
        r.ttl(),
        r.locality(),
        r.metadata());
  }

  static LoadReport capacity(Integer capacity) {
    return new LoadReport(Update.absent(), Update.of(capacity), Update.absent(), Update.absent());
  }

  static LoadReport weight(Integer weight) {
    return new LoadReport(Update.absent(), Update.absent(), Update.of(weight), Update.absent());
  }

  static RegistryConfig config(int hysteresis) {
    return RegistryConfig.defaults().withReadmitHysteresis(hysteresis);
  }

  /** A registry on a fake clock with a listener that records every event. */
  static final class Harness {
    final MutableClock clock = new MutableClock(T0);
    final Registry registry;
    final List<RegistryEvent> events = new CopyOnWriteArrayList<>();

    Harness() {
      this(RegistryConfig.defaults());
    }

    Harness(RegistryConfig config) {
      registry = new Registry(config, clock);
      registry.addListener(events::add);
    }

    Endpoint put(String id, Registration r) {
      return registry.register(key(id), r).endpoint();
    }

    Endpoint patch(String id, LoadReport report) {
      return registry.report(key(id), report).orElseThrow();
    }

    Endpoint active(String id, int active) {
      return patch(id, LoadReport.active(active));
    }

    Endpoint get(String id) {
      return registry.endpoint(key(id)).orElseThrow();
    }

    void advance(Duration d) {
      clock.advance(d);
    }

    /** The recorded events, then forgets them. */
    List<RegistryEvent> drain() {
      List<RegistryEvent> out = List.copyOf(events);
      events.clear();
      return out;
    }
  }
}
