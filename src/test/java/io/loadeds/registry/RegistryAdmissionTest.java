package io.loadeds.registry;

import static io.loadeds.registry.Fixtures.capacity;
import static io.loadeds.registry.Fixtures.config;
import static io.loadeds.registry.Fixtures.loaded;
import static io.loadeds.registry.Fixtures.reg;
import static io.loadeds.registry.Fixtures.weight;
import static io.loadeds.registry.Fixtures.withWeight;
import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.registry.Fixtures.Harness;
import io.loadeds.registry.RegistryEvent.AdmissionChanged;
import io.loadeds.registry.RegistryEvent.LoadChanged;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** API.md §2: admission by {@code active < capacity}, re-admit hysteresis, derived weights. */
class RegistryAdmissionTest {

  @Nested
  class Admission {
    final Harness h = new Harness();

    @Test
    void withoutCapacityAnEndpointIsAlwaysAdmitted() {
      h.put("a", reg("10.0.0.1", 80));
      Endpoint e = h.active("a", 1_000_000);

      assertThat(e.state()).isEqualTo(EndpointState.ADMITTED);
      assertThat(e.capacity()).isNull();
      assertThat(h.registry.cluster("svc").orElseThrow().admitted()).containsExactly(e);
    }

    @Test
    void admittedWhileActiveBelowCapacityAndFullAtCapacity() {
      assertThat(h.put("a", loaded("10.0.0.1", 3, 2)).state()).isEqualTo(EndpointState.ADMITTED);
      h.drain();

      Endpoint full = h.active("a", 3);

      assertThat(full.state()).isEqualTo(EndpointState.FULL);
      assertThat(full.admitted()).isFalse();
      assertThat(h.registry.cluster("svc").orElseThrow().admitted()).isEmpty();
      List<RegistryEvent> events = h.drain();
      assertThat(events).hasSize(1).first().isInstanceOf(AdmissionChanged.class);
      AdmissionChanged change = (AdmissionChanged) events.get(0);
      assertThat(change.previous().admitted()).isTrue();
      assertThat(change.endpoint()).isEqualTo(full);
      assertThat(change.changesMembership()).isTrue();
    }

    @Test
    void activeAboveCapacityIsFullAndLeavingItIsAnAdmissionChange() {
      h.put("a", loaded("10.0.0.1", 3, 7));
      assertThat(h.get("a").state()).isEqualTo(EndpointState.FULL);
      h.drain();

      Endpoint back = h.active("a", 2);

      assertThat(back.state()).isEqualTo(EndpointState.ADMITTED);
      assertThat(h.drain())
          .singleElement()
          .isInstanceOfSatisfying(
              AdmissionChanged.class, c -> assertThat(c.endpoint().admitted()).isTrue());
    }

    @Test
    void aLoadChangeWithinCapacityIsALoadChangedEventNotAnAdmissionChange() {
      h.put("a", loaded("10.0.0.1", 10, 0));
      h.drain();

      h.active("a", 4);

      assertThat(h.drain())
          .singleElement()
          .isInstanceOfSatisfying(
              LoadChanged.class,
              c -> {
                assertThat(c.previous().active()).isZero();
                assertThat(c.endpoint().active()).isEqualTo(4);
                assertThat(c.changesMembership()).isFalse();
              });
    }

    @Test
    void aHeartbeatOrAnUnchangedReportEmitsNoEvent() {
      h.put("a", loaded("10.0.0.1", 10, 4));
      h.drain();

      h.patch("a", LoadReport.HEARTBEAT);
      h.active("a", 4);

      assertThat(h.drain()).isEmpty();
    }

    @Test
    void droppingTheCapacityAdmitsAFullEndpoint() {
      h.put("a", loaded("10.0.0.1", 2, 2));

      Endpoint e = h.patch("a", capacity(null));

      assertThat(e.state()).isEqualTo(EndpointState.ADMITTED);
      assertThat(e.effectiveWeight()).isEqualTo(1);
    }

    @Test
    void loweringTheCapacityBelowTheLoadMakesItFull() {
      h.put("a", loaded("10.0.0.1", 10, 5));
      h.drain();

      assertThat(h.patch("a", capacity(5)).state()).isEqualTo(EndpointState.FULL);
      assertThat(h.drain()).singleElement().isInstanceOf(AdmissionChanged.class);
    }
  }

  @Nested
  class Hysteresis {
    @Test
    void withHysteresisOneAFullEndpointWaitsForTwoFreeSlots() {
      Harness h = new Harness(config(1));
      h.put("a", loaded("10.0.0.1", 4, 0));

      assertThat(h.active("a", 3).state()).isEqualTo(EndpointState.ADMITTED);
      assertThat(h.active("a", 4).state()).isEqualTo(EndpointState.FULL);
      assertThat(h.active("a", 3).state()).isEqualTo(EndpointState.FULL);
      assertThat(h.active("a", 2).state()).isEqualTo(EndpointState.ADMITTED);
      assertThat(h.active("a", 3).state()).isEqualTo(EndpointState.ADMITTED);
    }

    @Test
    void withHysteresisZeroAFullEndpointReturnsAsSoonAsThereIsRoom() {
      Harness h = new Harness(config(0));
      h.put("a", loaded("10.0.0.1", 4, 4));

      assertThat(h.get("a").state()).isEqualTo(EndpointState.FULL);
      assertThat(h.active("a", 3).state()).isEqualTo(EndpointState.ADMITTED);
    }

    @Test
    void aRePutOfAFullEndpointKeepsItsHysteresis() {
      Harness h = new Harness(config(1));
      h.put("a", loaded("10.0.0.1", 4, 4));

      assertThat(h.put("a", loaded("10.0.0.1", 4, 3)).state()).isEqualTo(EndpointState.FULL);
      assertThat(h.put("a", loaded("10.0.0.1", 4, 2)).state()).isEqualTo(EndpointState.ADMITTED);
    }

    @Test
    void aRePutOfAnAdmittedEndpointIsNotHeldBack() {
      Harness h = new Harness(config(1));
      h.put("a", loaded("10.0.0.1", 4, 0));

      assertThat(h.put("a", loaded("10.0.0.1", 4, 3)).state()).isEqualTo(EndpointState.ADMITTED);
    }

    @Test
    void hysteresisLargerThanCapacityStillReadmitsAnIdleEndpoint() {
      Harness h = new Harness(config(5));
      h.put("a", loaded("10.0.0.1", 2, 2));

      assertThat(h.active("a", 1).state()).isEqualTo(EndpointState.FULL);
      assertThat(h.active("a", 0).state()).isEqualTo(EndpointState.ADMITTED);
    }
  }

  @Nested
  class Weights {
    final Harness h = new Harness(config(1));

    @ParameterizedTest(name = "capacity {0}, active {1} -> weight {2}")
    @CsvSource({"10, 0, 10", "10, 3, 7", "4, 3, 1", "1, 0, 1"})
    void anAdmittedEndpointWeighsItsSpareCapacity(int capacity, int active, int expected) {
      assertThat(h.put("a", loaded("10.0.0.1", capacity, active)).effectiveWeight())
          .isEqualTo(expected);
    }

    @Test
    void aStaticWeightWinsOverSpareCapacity() {
      Endpoint e = h.put("a", withWeight(loaded("10.0.0.1", 10, 3), 5));

      assertThat(e.effectiveWeight()).isEqualTo(5);
      assertThat(h.active("a", 9).effectiveWeight()).isEqualTo(5);
    }

    @Test
    void clearingTheStaticWeightDerivesItAgain() {
      h.put("a", withWeight(loaded("10.0.0.1", 10, 3), 5));

      assertThat(h.patch("a", weight(null)).effectiveWeight()).isEqualTo(7);
      assertThat(h.patch("a", weight(42)).effectiveWeight()).isEqualTo(42);
    }

    @Test
    void anEndpointThatIsNotAdmittedWeighsNothingEvenWithAStaticWeight() {
      h.put("a", withWeight(loaded("10.0.0.1", 4, 4), 5));

      assertThat(h.get("a").effectiveWeight()).isZero();
      // Held back by hysteresis: still out, still zero.
      assertThat(h.active("a", 3).effectiveWeight()).isZero();
    }

    @Test
    void anEndpointWithoutCapacityWeighsOne() {
      assertThat(h.put("a", reg("10.0.0.1", 80)).effectiveWeight()).isEqualTo(1);
      assertThat(h.active("a", 50).effectiveWeight()).isEqualTo(1);
    }

    @Test
    void aWeightChangeIsALoadChangeNotAMembershipChange() {
      h.put("a", loaded("10.0.0.1", 10, 0));
      h.drain();

      h.patch("a", weight(3));

      assertThat(h.drain())
          .singleElement()
          .isInstanceOfSatisfying(
              LoadChanged.class, c -> assertThat(c.changesMembership()).isFalse());
    }
  }
}
