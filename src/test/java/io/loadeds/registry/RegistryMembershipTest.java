package io.loadeds.registry;

import static io.loadeds.registry.Fixtures.key;
import static io.loadeds.registry.Fixtures.loaded;
import static io.loadeds.registry.Fixtures.reg;
import static io.loadeds.registry.Fixtures.withPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loadeds.registry.Fixtures.Harness;
import io.loadeds.registry.RegistryEvent.AdmissionChanged;
import io.loadeds.registry.RegistryEvent.Deregistered;
import io.loadeds.registry.RegistryEvent.Deregistered.Reason;
import io.loadeds.registry.RegistryEvent.Expired;
import io.loadeds.registry.RegistryEvent.LoadChanged;
import io.loadeds.registry.RegistryEvent.Registered;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Registration, address ownership, whole-list replacement, cluster lifetime, event order. */
class RegistryMembershipTest {
  final Harness h = new Harness();

  static String describe(RegistryEvent e) {
    if (e instanceof Registered r) {
      return (r.created() ? "created " : "replaced ") + r.endpoint().id();
    } else if (e instanceof LoadChanged l) {
      return "load " + l.endpoint().id() + "=" + l.endpoint().active();
    } else if (e instanceof AdmissionChanged a) {
      return a.endpoint().state() + " " + a.endpoint().id();
    } else if (e instanceof Deregistered d) {
      return d.reason() + " " + d.endpoint().id();
    }
    return "expired " + ((Expired) e).endpoint().id();
  }

  private List<String> drained() {
    return h.drain().stream().map(RegistryMembershipTest::describe).toList();
  }

  @Test
  void putCreatesThenReplaces() {
    assertThat(h.registry.register(key("a"), reg("10.0.0.1", 80)).created()).isTrue();
    Registry.RegisterResult again = h.registry.register(key("a"), reg("10.0.0.1", 81));

    assertThat(again.created()).isFalse();
    assertThat(again.endpoint().port()).isEqualTo(81);
    assertThat(h.registry.cluster("svc").orElseThrow().endpoints()).hasSize(1);
  }

  @Test
  void eventsOfOneClusterArriveInTheOrderTheChangesHappened() {
    h.put("a", loaded("10.0.0.1", 2, 0));
    h.put("b", loaded("10.0.0.2", 2, 0));
    h.active("a", 1);
    h.active("a", 2);
    h.put("b", loaded("10.0.0.2", 2, 1));
    h.registry.deregister(key("b"));
    h.active("a", 0);
    h.advance(Duration.ofSeconds(15));
    h.registry.expireLeases();

    assertThat(drained())
        .containsExactly(
            "created a",
            "created b",
            "load a=1",
            "FULL a",
            "replaced b",
            "REQUESTED b",
            "ADMITTED a",
            "expired a");
  }

  @Nested
  class AddressOwnership {
    @Test
    void aPutOfTheSameAddressUnderANewIdTakesItOver() {
      Endpoint old = h.put("old", reg("10.0.0.1", 80));
      h.drain();

      h.put("fresh", reg("10.0.0.1", 80));

      assertThat(h.registry.endpoint(key("old"))).isEmpty();
      assertThat(h.registry.cluster("svc").orElseThrow().endpoints())
          .extracting(Endpoint::id)
          .containsExactly("fresh");
      List<RegistryEvent> events = h.drain();
      assertThat(events).hasSize(2);
      assertThat(events.get(0))
          .isEqualTo(new Deregistered(old, Reason.ADDRESS_TAKEN_OVER))
          .matches(RegistryEvent::changesMembership);
      assertThat(events.get(1))
          .isInstanceOfSatisfying(Registered.class, r -> assertThat(r.created()).isTrue());
    }

    @Test
    void anotherPortOfTheSameAddressIsAnotherEndpoint() {
      h.put("a", reg("10.0.0.1", 80));
      h.put("b", reg("10.0.0.1", 81));

      assertThat(h.registry.cluster("svc").orElseThrow().endpoints()).hasSize(2);
    }

    @Test
    void theSameAddressInAnotherClusterIsUnrelated() {
      h.put("a", reg("10.0.0.1", 80));
      h.registry.register(new EndpointKey("other", "b"), reg("10.0.0.1", 80));

      assertThat(h.registry.endpoint(key("a"))).isPresent();
      assertThat(h.registry.clusters())
          .extracting(ClusterView::name)
          .containsExactly("other", "svc");
    }

    @Test
    void anAddressAnIdMovedAwayFromIsFree() {
      h.put("a", reg("10.0.0.1", 80));
      h.put("a", reg("10.0.0.2", 80));

      h.put("b", reg("10.0.0.1", 80));

      assertThat(h.registry.endpoint(key("a"))).isPresent();
      assertThat(h.registry.endpoint(key("b"))).isPresent();
    }

    @Test
    void aMovedIdStillOwnsItsNewAddress() {
      h.put("a", reg("10.0.0.1", 80));
      h.put("a", withPort(reg("10.0.0.1", 80), 90));

      h.put("b", reg("10.0.0.1", 90));

      assertThat(h.registry.endpoint(key("a"))).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
      "2001:db8::7, 2001:DB8:0:0:0:0:0:7",
      "::1, 0:0:0:0:0:0:0:1",
      "10.0.0.1, ::ffff:10.0.0.1"
    })
    void anotherSpellingOfTheSameAddressTakesItOver(String first, String second) {
      // gRPC clients compare parsed addresses: two spellings would be duplicates to them.
      h.put("a", reg(first, 80));

      h.put("b", reg(second, 80));

      assertThat(h.registry.endpoint(key("a"))).isEmpty();
      assertThat(h.registry.cluster("svc").orElseThrow().endpoints())
          .extracting(Endpoint::id)
          .containsExactly("b");

      h.put("c", reg(first, 81));
      assertThat(h.registry.cluster("svc").orElseThrow().endpoints()).hasSize(2);
    }
  }

  @Nested
  class ReplaceSource {
    static final String SRC = "edsservice";

    Map<String, Registration> entries(String... idAndAddress) {
      Map<String, Registration> m = new LinkedHashMap<>();
      for (int i = 0; i < idAndAddress.length; i += 2) {
        m.put(idAndAddress[i], reg(idAndAddress[i + 1], 80));
      }
      return m;
    }

    @Test
    void replacesOnlyThatSourcesEntries() {
      Endpoint api = h.put("api-1", reg("10.0.0.9", 80));
      h.registry.replaceSource("svc", SRC, entries("h1", "10.0.0.1", "h2", "10.0.0.2"));
      h.drain();

      List<Endpoint> out =
          h.registry.replaceSource("svc", SRC, entries("h2", "10.0.0.2", "h3", "10.0.0.3"));

      assertThat(out).extracting(Endpoint::id).containsExactlyInAnyOrder("h2", "h3");
      assertThat(out).allMatch(e -> e.source().equals(SRC));
      assertThat(h.registry.cluster("svc").orElseThrow().endpoints())
          .extracting(Endpoint::id)
          .containsExactly("api-1", "h2", "h3");
      assertThat(h.get("api-1")).isEqualTo(api);
      assertThat(drained())
          .containsExactlyInAnyOrder("NOT_LISTED h1", "replaced h2", "created h3")
          .noneMatch(s -> s.contains("api-1"));
    }

    @Test
    void anEmptyListRemovesTheSourcesEntriesOnly() {
      h.put("api-1", reg("10.0.0.9", 80));
      h.registry.replaceSource("svc", SRC, entries("h1", "10.0.0.1"));

      assertThat(h.registry.replaceSource("svc", SRC, Map.of())).isEmpty();

      assertThat(h.registry.cluster("svc").orElseThrow().endpoints())
          .extracting(Endpoint::id)
          .containsExactly("api-1");
      h.registry.replaceSource("other", SRC, Map.of());
      assertThat(h.registry.cluster("other")).isEmpty();
    }

    @Test
    void anInvalidEntryChangesNothing() {
      h.registry.replaceSource("svc", SRC, entries("h1", "10.0.0.1"));
      ClusterView before = h.registry.cluster("svc").orElseThrow();
      h.drain();

      Map<String, Registration> bad = entries("h2", "10.0.0.2", "h3", "backend.local");
      assertThatThrownBy(() -> h.registry.replaceSource("svc", SRC, bad))
          .isInstanceOfSatisfying(
              InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("address"));
      Map<String, Registration> badId = entries("bad id", "10.0.0.2");
      assertThatThrownBy(() -> h.registry.replaceSource("svc", SRC, badId))
          .isInstanceOfSatisfying(
              InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("id"));

      assertThat(h.registry.cluster("svc")).contains(before);
      assertThat(h.drain()).isEmpty();
    }
  }

  @Nested
  class ClusterLifetime {
    @Test
    void aClusterDisappearsWithItsLastEndpoint() {
      h.put("a", reg("10.0.0.1", 80));
      h.put("b", reg("10.0.0.2", 80));

      assertThat(h.registry.deregister(key("a"))).isTrue();
      assertThat(h.registry.clusters()).extracting(ClusterView::name).containsExactly("svc");

      assertThat(h.registry.deregister(key("b"))).isTrue();
      assertThat(h.registry.clusters()).isEmpty();
      assertThat(h.registry.cluster("svc")).isEmpty();
    }

    @Test
    void unknownEndpointsAreReportedAsSuch() {
      assertThat(h.registry.deregister(key("nope"))).isFalse();
      assertThat(h.registry.report(key("nope"), LoadReport.HEARTBEAT)).isEmpty();
      h.put("a", reg("10.0.0.1", 80));
      assertThat(h.registry.deregister(key("nope"))).isFalse();
      assertThat(h.registry.report(key("nope"), LoadReport.HEARTBEAT)).isEmpty();
      assertThat(h.drain())
          .extracting(RegistryMembershipTest::describe)
          .containsExactly("created a");
    }

    @Test
    void aClusterComesBackAfterItWasEmptied() {
      h.put("a", reg("10.0.0.1", 80));
      h.registry.deregister(key("a"));

      assertThat(h.registry.register(key("a"), reg("10.0.0.1", 80)).created()).isTrue();
      assertThat(h.registry.cluster("svc").orElseThrow().endpoints()).hasSize(1);
    }
  }
}
