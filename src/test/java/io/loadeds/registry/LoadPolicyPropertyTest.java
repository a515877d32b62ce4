package io.loadeds.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.registry.Fixtures.Harness;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Admission invariants of API.md §2 for any sequence of load reports, through the registry. */
class LoadPolicyPropertyTest {

  @Property(tries = 300)
  void anEndpointIsAdmittedOnlyWithRoomAndReturnsOnlyBelowTheMark(
      @ForAll @IntRange(min = 1, max = 12) int capacity,
      @ForAll @IntRange(min = 0, max = 6) int hysteresis,
      @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 15) Integer> reports) {
    Harness h = new Harness(Fixtures.config(hysteresis));
    Endpoint current = h.put("a", Fixtures.loaded("10.0.0.1", capacity, 0));
    h.drain();
    int mark = Math.max(1, capacity - hysteresis);

    for (int active : reports) {
      Endpoint next = h.active("a", active);

      if (next.admitted()) {
        assertThat(active).isLessThan(capacity);
        assertThat(next.effectiveWeight()).isEqualTo(Math.max(1, capacity - active));
        if (!current.admitted()) {
          assertThat(active).as("re-admitted only below the re-admit mark").isLessThan(mark);
        }
      } else {
        assertThat(next.state()).isEqualTo(EndpointState.FULL);
        assertThat(next.effectiveWeight()).isZero();
        if (current.admitted()) {
          assertThat(active).as("leaves only when full").isGreaterThanOrEqualTo(capacity);
        }
      }
      List<RegistryEvent> events = h.drain();
      if (next.admitted() != current.admitted()) {
        assertThat(events).singleElement().isInstanceOf(RegistryEvent.AdmissionChanged.class);
      } else if (active != current.active()) {
        assertThat(events).singleElement().isInstanceOf(RegistryEvent.LoadChanged.class);
      } else {
        assertThat(events).isEmpty();
      }
      current = next;
    }
  }

  @Property(tries = 300)
  void withoutHysteresisAdmissionIsExactlyActiveBelowCapacity(
      @ForAll @IntRange(min = 1, max = 12) int capacity,
      @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 15) Integer> reports) {
    Harness h = new Harness(Fixtures.config(0));
    h.put("a", Fixtures.loaded("10.0.0.1", capacity, 0));

    for (int active : reports) {
      assertThat(h.active("a", active).admitted()).isEqualTo(active < capacity);
    }
  }

  @Property(tries = 500)
  void thePolicyNeverAdmitsAtOrAboveCapacity(
      @ForAll boolean wasFull,
      @ForAll @IntRange(min = 1, max = 1_000) int capacity,
      @ForAll @IntRange(min = 0, max = 2_000) int active,
      @ForAll @IntRange(min = 0, max = 1_000) int hysteresis) {
    EndpointState state = new LoadPolicy(hysteresis).stateFor(wasFull, capacity, active);

    assertThat(state).isNotEqualTo(EndpointState.EXPIRED);
    if (active >= capacity) {
      assertThat(state).isEqualTo(EndpointState.FULL);
    }
    if (!wasFull || hysteresis == 0) {
      assertThat(state == EndpointState.ADMITTED).isEqualTo(active < capacity);
    }
    if (active == 0) {
      assertThat(state).as("an idle endpoint is always welcome").isEqualTo(EndpointState.ADMITTED);
    }
  }
}
