package io.loadeds.registry;

import static io.loadeds.registry.Fixtures.reg;
import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.config.RegistryConfig;
import io.loadeds.config.SelfPreservationConfig;
import io.loadeds.registry.Fixtures.Harness;
import io.loadeds.registry.RegistryEvent.Expired;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Self-preservation (issue 6, Faults): a mass lapse of one cluster's leases (in one reaper pass, or
 * spread over one lease length) is held back for at most {@code maxHold}; a lapse below the
 * threshold expires at once.
 */
class SelfPreservationTest {
  private static final Duration TTL = Duration.ofSeconds(15);
  private static final Duration HOLD = Duration.ofSeconds(30);

  final Harness h =
      new Harness(
          RegistryConfig.defaults().withSelfPreservation(new SelfPreservationConfig(0.5, HOLD)));

  private void register(int n) {
    for (int i = 1; i <= n; i++) {
      h.put("e" + i, reg("10.0.0." + i, 80));
    }
  }

  /** Renews e{from}..e{to} (a PATCH heartbeat). */
  private void renew(int from, int to) {
    for (int i = from; i <= to; i++) {
      h.patch("e" + i, LoadReport.HEARTBEAT);
    }
  }

  private long admitted() {
    return h.registry.cluster("svc").orElseThrow().admitted().size();
  }

  @Test
  void oneDeadBackendOfManyExpiresAtOnce() {
    register(4);
    h.advance(TTL.minusSeconds(1));
    renew(2, 4);
    h.advance(Duration.ofSeconds(1));

    assertThat(h.registry.expireLeases()).isEqualTo(1);
    assertThat(h.get("e1").state()).isEqualTo(EndpointState.EXPIRED);
    assertThat(h.registry.preserving("svc")).isFalse();
  }

  @Test
  void theOnlyEndpointOfAClusterExpiresAtOnce() {
    register(1); // 100% of the cluster, but one lease is below the minimum of two
    h.advance(TTL);

    assertThat(h.registry.expireLeases()).isEqualTo(1);
  }

  @Test
  void exactlyHalfIsNotMoreThanTheThreshold() {
    register(4);
    h.advance(TTL.minusSeconds(1));
    renew(3, 4);
    h.advance(Duration.ofSeconds(1));

    assertThat(h.registry.expireLeases()).isEqualTo(2);
    assertThat(admitted()).isEqualTo(2);
  }

  @Test
  void moreThanHalfLapsingTogetherIsHeldForMaxHoldThenExpires() {
    register(4);
    h.advance(TTL.minusSeconds(1));
    renew(4, 4);
    h.advance(Duration.ofSeconds(1));
    h.drain();

    assertThat(h.registry.expireLeases()).isZero(); // 3 of 4 lapsed: held
    assertThat(h.registry.preserving("svc")).isTrue();
    assertThat(admitted()).isEqualTo(4);
    assertThat(h.drain()).isEmpty(); // nothing published changes

    h.advance(HOLD.minusMillis(1));
    renew(4, 4);
    assertThat(h.registry.expireLeases()).isZero();
    assertThat(admitted()).isEqualTo(4);

    h.advance(Duration.ofMillis(1)); // the hold is over
    assertThat(h.registry.expireLeases()).isEqualTo(3);
    assertThat(h.registry.preserving("svc")).isFalse();
    assertThat(h.drain()).hasSize(3).allMatch(e -> e instanceof Expired);
    assertThat(h.get("e4").admitted()).isTrue();
  }

  @Test
  void anEndpointThatRenewsDuringTheHoldStaysWhenTheOthersExpire() {
    register(3);
    h.advance(TTL);
    assertThat(h.registry.expireLeases()).isZero();

    h.advance(Duration.ofSeconds(5));
    Endpoint back = h.patch("e2", LoadReport.HEARTBEAT); // the lapsed lease may still be renewed
    assertThat(back.leaseExpiresAt()).isEqualTo(h.clock.instant().plus(TTL));

    h.advance(Duration.ofSeconds(14));
    h.patch("e2", LoadReport.HEARTBEAT); // and keeps renewing
    assertThat(h.registry.expireLeases()).isZero();

    h.advance(HOLD.minusSeconds(19)); // the hold is over
    assertThat(h.registry.expireLeases()).isEqualTo(2);
    assertThat(h.get("e1").state()).isEqualTo(EndpointState.EXPIRED);
    assertThat(h.get("e2").admitted()).isTrue();
    assertThat(h.get("e3").state()).isEqualTo(EndpointState.EXPIRED);
  }

  @Test
  void whenAllRenewTheEpisodeEndsAndTheNextMassLapseIsHeldAgain() {
    register(3);
    h.advance(TTL);
    assertThat(h.registry.expireLeases()).isZero();

    renew(1, 3);
    assertThat(h.registry.expireLeases()).isZero();
    assertThat(h.registry.preserving("svc")).isFalse();

    h.advance(TTL);
    assertThat(h.registry.expireLeases()).isZero(); // a new episode, with a full hold
    h.advance(HOLD.minusMillis(1));
    assertThat(h.registry.expireLeases()).isZero();
    h.advance(Duration.ofMillis(1));
    assertThat(h.registry.expireLeases()).isEqualTo(3);
  }

  @Test
  void leasesThatLapseSpreadOverOneLeaseLengthCountTogether() {
    // Heartbeats renewed at different moments: when the network fails, the leases lapse one per
    // reaper pass. Judged pass by pass, the cluster would be emptied slice by slice.
    for (int i = 1; i <= 6; i++) {
      h.put("e" + i, reg("10.0.0." + i, 80));
      h.advance(Duration.ofSeconds(1));
    }
    h.advance(TTL.minusSeconds(6));

    int expired = 0;
    for (int pass = 1; pass <= 6; pass++) {
      h.advance(Duration.ofSeconds(1));
      expired += h.registry.expireLeases();
    }

    // e1..e3 expired one by one (1 of 6, 2 of 6, 3 of 6: not more than half); with e4 it is 4 of 6.
    assertThat(expired).isEqualTo(3);
    assertThat(h.registry.preserving("svc")).isTrue();
    assertThat(admitted()).isEqualTo(3);
  }

  @Test
  void expiriesOlderThanOneLeaseLengthDoNotCount() {
    register(3);
    h.advance(TTL.minusSeconds(1));
    renew(2, 3);
    h.advance(Duration.ofSeconds(1));
    assertThat(h.registry.expireLeases()).isEqualTo(1); // e1, alone

    h.advance(TTL.plusSeconds(1)); // e2 and e3 lapse too, but e1 is long gone
    renew(3, 3);
    assertThat(h.registry.expireLeases()).isEqualTo(1); // e2, alone: 1 of 2 lapsed
    assertThat(h.registry.preserving("svc")).isFalse();
  }

  @Test
  void theLeasesThatRanOutAtTheEndOfAHoldDoNotStartTheNextOne() {
    register(4);
    h.advance(TTL.minusSeconds(1));
    renew(4, 4);
    h.advance(Duration.ofSeconds(1));
    assertThat(h.registry.expireLeases()).isZero(); // e1..e3 held
    h.advance(HOLD);
    renew(4, 4);
    assertThat(h.registry.expireLeases()).isEqualTo(3); // the hold ran out

    h.advance(TTL); // e4 lapses too, within a lease length of the others
    assertThat(h.registry.expireLeases()).isEqualTo(1);
    assertThat(h.registry.preserving("svc")).isFalse();
  }

  @Test
  void clustersAreJudgedOnTheirOwn() {
    register(2);
    h.registry.register(new EndpointKey("other", "x"), reg("10.0.1.1", 80));
    h.registry.register(new EndpointKey("other", "y"), reg("10.0.1.2", 80));
    h.registry.register(new EndpointKey("other", "z"), reg("10.0.1.3", 80));
    h.advance(TTL.minusSeconds(1));
    h.registry.report(new EndpointKey("other", "y"), LoadReport.HEARTBEAT);
    h.registry.report(new EndpointKey("other", "z"), LoadReport.HEARTBEAT);
    h.advance(Duration.ofSeconds(1));

    assertThat(h.registry.expireLeases()).isEqualTo(1); // other/x alone; svc's two are held
    assertThat(h.registry.preserving("svc")).isTrue();
    assertThat(h.registry.preserving("other")).isFalse();
  }

  @Test
  void aZeroMaxHoldTurnsItOff() {
    Harness off =
        new Harness(RegistryConfig.defaults().withSelfPreservation(SelfPreservationConfig.off()));
    off.put("a", reg("10.0.0.1", 80));
    off.put("b", reg("10.0.0.2", 80));
    off.advance(TTL);

    assertThat(off.registry.expireLeases()).isEqualTo(2);
  }
}
