package io.loadeds.registry;

import static io.loadeds.registry.Fixtures.key;
import static io.loadeds.registry.Fixtures.loaded;
import static io.loadeds.registry.Fixtures.reg;
import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.registry.Fixtures.Harness;
import io.loadeds.registry.RegistryEvent.Deregistered;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Scale-out copies whole records from the replica that decided them into the others ({@link
 * Registry#replicate}); a replica's consumers (snapshot cache, metrics, event feed) must see the
 * same kind of event there as on the deciding replica, and the copy must hold the same state.
 */
class RegistryReplicationTest {
  final Harness origin = new Harness();
  final Harness replica = new Harness();

  /** Copies the origin's current record of {@code id} (or its absence) to the replica. */
  void copy(String id) {
    replica.registry.replicate(key(id), origin.registry.endpoint(key(id)).orElse(null));
  }

  @Test
  void aCopiedRegistrationIsTheSameRecordAndAnnouncedAsNew() {
    Endpoint e = origin.put("a", loaded("10.0.0.1", 4, 1));
    copy("a");

    assertThat(replica.get("a")).isEqualTo(e);
    assertThat(replica.drain())
        .singleElement()
        .isInstanceOfSatisfying(
            RegistryEvent.Registered.class, r -> assertThat(r.created()).isTrue());
    assertThat(replica.registry.clusters()).isEqualTo(origin.registry.clusters());
  }

  @Test
  void aLoadReportThatFillsTheEndpointIsAnAdmissionChange() {
    origin.put("a", loaded("10.0.0.1", 2, 0));
    copy("a");
    replica.drain();

    origin.active("a", 2);
    copy("a");

    assertThat(replica.get("a").state()).isEqualTo(EndpointState.FULL);
    assertThat(replica.drain()).singleElement().isInstanceOf(RegistryEvent.AdmissionChanged.class);
  }

  @Test
  void aRenewalOnlyMovesTheLeaseAndAnnouncesNothing() {
    origin.put("a", reg("10.0.0.1", 80));
    copy("a");
    replica.drain();
    origin.advance(Duration.ofSeconds(10));

    origin.patch("a", LoadReport.HEARTBEAT);
    copy("a");

    assertThat(replica.get("a").leaseExpiresAt())
        .isEqualTo(origin.get("a").leaseExpiresAt())
        .isEqualTo(Fixtures.T0.plusSeconds(25));
    assertThat(replica.drain()).isEmpty();
  }

  @Test
  void aRenewedCopyIsNotExpiredByTheReplicasOwnReaper() {
    origin.put("a", reg("10.0.0.1", 80));
    copy("a");
    origin.advance(Duration.ofSeconds(10));
    replica.advance(Duration.ofSeconds(10));
    origin.patch("a", LoadReport.HEARTBEAT);
    copy("a");

    replica.advance(Duration.ofSeconds(10)); // 20 s after the PUT, 10 s after the renewal
    assertThat(replica.registry.expireLeases()).isZero();
    assertThat(replica.get("a").admitted()).isTrue();
  }

  @Test
  void anExpiryAndADeregistrationAreAnnouncedAsSuch() {
    origin.put("a", reg("10.0.0.1", 80));
    origin.put("b", reg("10.0.0.2", 80));
    copy("a");
    copy("b");
    replica.drain();
    origin.advance(Duration.ofSeconds(16));
    origin.patch("b", LoadReport.HEARTBEAT);

    origin.registry.expireLeases();
    copy("a");
    origin.registry.deregister(key("b"));
    copy("b");

    assertThat(replica.get("a").state()).isEqualTo(EndpointState.EXPIRED);
    assertThat(replica.registry.endpoint(key("b"))).isEmpty();
    assertThat(replica.drain())
        .satisfiesExactly(
            x -> assertThat(x).isInstanceOf(RegistryEvent.Expired.class),
            x -> assertThat(x).isInstanceOf(Deregistered.class));
  }

  @Test
  void forgettingAnExpiredRecordIsSilentAsTheReapersPurgeIs() {
    origin.put("a", reg("10.0.0.1", 80));
    origin.put("b", reg("10.0.0.2", 80).withTtl(Duration.ofHours(1)));
    origin.advance(Duration.ofSeconds(16));
    origin.registry.expireLeases();
    copy("a");
    copy("b");
    replica.drain();

    replica.registry.replicate(key("a"), null);

    assertThat(replica.registry.endpoint(key("a"))).isEmpty();
    assertThat(replica.drain()).isEmpty();
  }

  @Test
  void aCopyThatTakesAnAddressOverRemovesTheOldHolder() {
    origin.put("old", reg("10.0.0.1", 80));
    copy("old");
    replica.drain();

    origin.put("new", reg("10.0.0.1", 80));
    copy("new"); // arrives before the removal of "old"

    assertThat(replica.registry.endpoint(key("old"))).isEmpty();
    assertThat(replica.drain())
        .satisfiesExactly(
            x ->
                assertThat(x)
                    .isInstanceOfSatisfying(
                        Deregistered.class,
                        d ->
                            assertThat(d.reason())
                                .isEqualTo(Deregistered.Reason.ADDRESS_TAKEN_OVER)),
            x -> assertThat(x).isInstanceOf(RegistryEvent.Registered.class));
    copy("old"); // the removal arriving later changes nothing
    assertThat(replica.drain()).isEmpty();
  }

  @Test
  void theSameRecordTwiceChangesNothing() {
    origin.put("a", reg("10.0.0.1", 80));
    copy("a");
    replica.drain();

    copy("a");

    assertThat(replica.drain()).isEmpty();
  }
}
