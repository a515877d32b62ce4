package io.loadeds.registry;

import static io.loadeds.registry.Fixtures.T0;
import static io.loadeds.registry.Fixtures.key;
import static io.loadeds.registry.Fixtures.loaded;
import static io.loadeds.registry.Fixtures.reg;
import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.registry.Fixtures.Harness;
import io.loadeds.registry.RegistryEvent.Expired;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * API.md §1: leases renewed by PUT and PATCH, expiry by the reaper, retention of expired records.
 */
class RegistryLeaseTest {
  private static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
  private static final Duration RETENTION = Duration.ofSeconds(60);

  final Harness h = new Harness();

  @Test
  void theDefaultTtlIsAppliedWhenNoneIsGiven() {
    Endpoint e = h.put("a", reg("10.0.0.1", 80));

    assertThat(e.ttl()).isEqualTo(DEFAULT_TTL);
    assertThat(e.leaseExpiresAt()).isEqualTo(T0.plus(DEFAULT_TTL));
  }

  @Test
  void anExplicitTtlIsKept() {
    Endpoint e = h.put("a", reg("10.0.0.1", 80).withTtl(Duration.ofSeconds(30)));

    assertThat(e.leaseExpiresAt()).isEqualTo(T0.plusSeconds(30));
  }

  @Test
  void patchAndPutRenewTheLease() {
    h.put("a", reg("10.0.0.1", 80));
    h.advance(Duration.ofSeconds(10));

    assertThat(h.patch("a", LoadReport.HEARTBEAT).leaseExpiresAt()).isEqualTo(T0.plusSeconds(25));

    h.advance(Duration.ofSeconds(10));
    assertThat(h.put("a", reg("10.0.0.1", 80)).leaseExpiresAt()).isEqualTo(T0.plusSeconds(35));

    h.advance(Duration.ofSeconds(14));
    assertThat(h.registry.expireLeases()).isZero();
    assertThat(h.get("a").admitted()).isTrue();
  }

  @Test
  void anUnrenewedLeaseExpiresAtItsTtl() {
    h.put("a", reg("10.0.0.1", 80));
    h.drain();

    h.advance(DEFAULT_TTL.minusMillis(1));
    assertThat(h.registry.expireLeases()).isZero();
    assertThat(h.drain()).isEmpty();

    h.advance(Duration.ofMillis(1));
    assertThat(h.registry.expireLeases()).isEqualTo(1);

    Endpoint e = h.get("a");
    assertThat(e.state()).isEqualTo(EndpointState.EXPIRED);
    assertThat(e.admitted()).isFalse();
    assertThat(e.effectiveWeight()).isZero();
    assertThat(h.drain())
        .singleElement()
        .isInstanceOfSatisfying(Expired.class, x -> assertThat(x.endpoint()).isEqualTo(e));
    ClusterView view = h.registry.cluster("svc").orElseThrow();
    assertThat(view.live()).isFalse();
    assertThat(view.admitted()).isEmpty();
  }

  @Test
  void aFullEndpointExpiresToo() {
    h.put("a", loaded("10.0.0.1", 1, 1));
    h.advance(DEFAULT_TTL);

    assertThat(h.registry.expireLeases()).isEqualTo(1);
    assertThat(h.get("a").state()).isEqualTo(EndpointState.EXPIRED);
  }

  @Test
  void onlyLapsedLeasesExpire() {
    h.put("short", reg("10.0.0.1", 80).withTtl(Duration.ofSeconds(5)));
    h.put("long", reg("10.0.0.2", 80).withTtl(Duration.ofSeconds(50)));
    h.advance(Duration.ofSeconds(6));

    assertThat(h.registry.expireLeases()).isEqualTo(1);
    assertThat(h.get("short").state()).isEqualTo(EndpointState.EXPIRED);
    assertThat(h.get("long").state()).isEqualTo(EndpointState.ADMITTED);
    assertThat(h.registry.cluster("svc").orElseThrow().live()).isTrue();
  }

  @Test
  void anExpiredEndpointAnswersPatchWithNothingAndIsNotRenewed() {
    h.put("a", reg("10.0.0.1", 80));
    h.advance(DEFAULT_TTL);
    h.registry.expireLeases();
    h.drain();

    assertThat(h.registry.report(key("a"), LoadReport.HEARTBEAT)).isEmpty();
    assertThat(h.registry.report(key("a"), LoadReport.active(1))).isEmpty();

    assertThat(h.get("a").state()).isEqualTo(EndpointState.EXPIRED);
    assertThat(h.drain()).isEmpty();
    assertThat(h.registry.expireLeases()).isZero(); // not expired a second time
  }

  @Test
  void aPutAfterExpiryRegistersAgain() {
    h.put("a", reg("10.0.0.1", 80));
    h.advance(DEFAULT_TTL);
    h.registry.expireLeases();

    Registry.RegisterResult again = h.registry.register(key("a"), reg("10.0.0.1", 80));

    assertThat(again.created()).isTrue();
    assertThat(again.endpoint().state()).isEqualTo(EndpointState.ADMITTED);
    assertThat(again.endpoint().leaseExpiresAt()).isEqualTo(T0.plus(DEFAULT_TTL).plus(DEFAULT_TTL));
  }

  @Test
  void anExpiredRecordIsPurgedAfterTheRetention() {
    h.put("a", reg("10.0.0.1", 80));
    h.advance(DEFAULT_TTL);
    h.registry.expireLeases();
    h.drain();

    h.advance(RETENTION.minusSeconds(1));
    h.registry.expireLeases();
    assertThat(h.registry.endpoint(key("a"))).isPresent();

    h.advance(Duration.ofSeconds(1));
    h.registry.expireLeases();
    assertThat(h.registry.endpoint(key("a"))).isEmpty();
    assertThat(h.registry.cluster("svc")).isEmpty();
    assertThat(h.registry.clusters()).isEmpty();
    assertThat(h.drain()).isEmpty(); // the Expired event already announced its departure
  }

  @Test
  void aPurgedRecordFreesItsAddressWithoutATakeOver() {
    h.put("a", reg("10.0.0.1", 80));
    h.advance(DEFAULT_TTL);
    h.registry.expireLeases();
    h.advance(RETENTION);
    h.registry.expireLeases();
    assertThat(h.registry.endpoint(key("a"))).isEmpty();
    h.drain();

    h.put("b", reg("10.0.0.1", 80));

    assertThat(h.drain()).singleElement().isInstanceOf(RegistryEvent.Registered.class);
  }

  @Test
  void anEntryWithoutLeaseFromReplaceSourceNeverExpires() {
    h.registry.replaceSource("svc", "edsservice", Map.of("h1", reg("10.0.0.1", 80)));
    Endpoint e = h.get("h1");
    assertThat(e.ttl()).isNull();
    assertThat(e.leaseExpiresAt()).isNull();

    h.advance(Duration.ofDays(365));

    assertThat(h.registry.expireLeases()).isZero();
    assertThat(h.get("h1").state()).isEqualTo(EndpointState.ADMITTED);
  }
}
