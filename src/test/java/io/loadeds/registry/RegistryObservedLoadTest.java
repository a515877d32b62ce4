package io.loadeds.registry;

import static io.loadeds.registry.Fixtures.CLUSTER;
import static io.loadeds.registry.Fixtures.T0;
import static io.loadeds.registry.Fixtures.key;
import static io.loadeds.registry.Fixtures.loaded;
import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.config.LimitsConfig;
import io.loadeds.config.LoadSource;
import io.loadeds.config.RegistryConfig;
import io.loadeds.testing.MutableClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The registry's second load signal: what the xDS clients report over LRS ({@link
 * Registry#observe}), combined with the backend's own {@code active} as {@code load.source} says.
 */
class RegistryObservedLoadTest {
  private final MutableClock clock = new MutableClock(T0);
  private final List<RegistryEvent> events = new ArrayList<>();

  private Registry registry(LoadSource source) {
    Registry r =
        new Registry(
            RegistryConfig.defaults().withReadmitHysteresis(0),
            LimitsConfig.defaults(),
            source,
            clock);
    r.addListener(events::add);
    return r;
  }

  private static List<ObservedLoad> seen(int inProgress) {
    return List.of(new ObservedLoad("10.0.0.1", 8080, inProgress));
  }

  private Endpoint a(Registry r) {
    return r.endpoint(key("a")).orElseThrow();
  }

  @Test
  void lrsAloneGatesAnEndpointThatNeverReportsItself() {
    Registry r = registry(LoadSource.LRS);
    r.register(key("a"), loaded("10.0.0.1", 2, 0));

    r.observe(CLUSTER, seen(1));
    assertThat(a(r).state()).isEqualTo(EndpointState.ADMITTED);
    assertThat(a(r).effectiveWeight()).as("spare capacity from the clients' figure").isEqualTo(1);

    r.observe(CLUSTER, seen(2));
    assertThat(a(r).state()).isEqualTo(EndpointState.FULL);
    assertThat(events).last().isInstanceOf(RegistryEvent.AdmissionChanged.class);

    r.observe(CLUSTER, seen(1));
    assertThat(a(r).state()).isEqualTo(EndpointState.ADMITTED);
  }

  @Test
  void withLrsTheBackendsOwnReportIsIgnored() {
    Registry r = registry(LoadSource.LRS);
    r.register(key("a"), loaded("10.0.0.1", 2, 0));
    r.observe(CLUSTER, seen(0));

    r.report(key("a"), LoadReport.active(5));

    assertThat(a(r).state()).isEqualTo(EndpointState.ADMITTED);
    assertThat(a(r).active()).as("still shown").isEqualTo(5);
    assertThat(a(r).load()).isZero();
  }

  @Test
  void maxTakesTheLargerSoAnUnderReportingBackendCannotHideLoad() {
    Registry r = registry(LoadSource.MAX);
    r.register(key("a"), loaded("10.0.0.1", 3, 1));

    r.observe(CLUSTER, seen(3));
    assertThat(a(r).load()).isEqualTo(3);
    assertThat(a(r).state()).isEqualTo(EndpointState.FULL);

    r.observe(CLUSTER, seen(0));
    assertThat(a(r).load()).as("the backend's own 1 remains").isEqualTo(1);
    assertThat(a(r).state()).isEqualTo(EndpointState.ADMITTED);

    r.report(key("a"), LoadReport.active(3));
    assertThat(a(r).state()).isEqualTo(EndpointState.FULL);
  }

  @Test
  void withBackendTheFiguresAreKeptButDoNotGate() {
    Registry r = registry(LoadSource.BACKEND);
    r.register(key("a"), loaded("10.0.0.1", 2, 0));
    events.clear();

    r.observe(CLUSTER, seen(9));

    assertThat(a(r).observed()).isEqualTo(9);
    assertThat(a(r).state()).isEqualTo(EndpointState.ADMITTED);
    assertThat(events).as("nothing published changed").isEmpty();
  }

  @Test
  void anEndpointNoLongerListedLosesItsFigure() {
    Registry r = registry(LoadSource.LRS);
    r.register(key("a"), loaded("10.0.0.1", 2, 0));
    r.observe(CLUSTER, seen(2));

    r.observe(CLUSTER, List.of());

    assertThat(a(r).observed()).isNull();
    assertThat(a(r).state()).isEqualTo(EndpointState.ADMITTED);
  }

  @Test
  void aReRegistrationKeepsTheFigureOfItsAddress() {
    Registry r = registry(LoadSource.LRS);
    r.register(key("a"), loaded("10.0.0.1", 2, 0));
    r.observe(CLUSTER, seen(2));

    r.register(key("a"), loaded("10.0.0.1", 2, 0));
    assertThat(a(r).state())
        .as("a heartbeat PUT cannot clear LRS load")
        .isEqualTo(EndpointState.FULL);

    r.register(key("a"), loaded("10.0.0.2", 2, 0));
    assertThat(a(r).observed()).as("a new address has no figure yet").isNull();
    assertThat(a(r).state()).isEqualTo(EndpointState.ADMITTED);
  }

  @Test
  void aNewIdTakingTheAddressOverKeepsItsFigure() {
    Registry r = registry(LoadSource.LRS);
    r.register(key("a"), loaded("10.0.0.1", 2, 0));
    r.observe(CLUSTER, seen(2));

    r.register(key("a2"), loaded("10.0.0.1", 2, 0));

    Endpoint a2 = r.endpoint(key("a2")).orElseThrow();
    assertThat(a2.observed()).as("the clients report the address, not the id").isEqualTo(2);
    assertThat(a2.state()).isEqualTo(EndpointState.FULL);
  }

  @Test
  void figuresForUnknownAddressesOrClustersChangeNothingAndAreCounted() {
    Registry r = registry(LoadSource.LRS);
    r.register(key("a"), loaded("10.0.0.1", 2, 0));
    events.clear();

    int unmatched =
        r.observe(
            CLUSTER,
            List.of(
                new ObservedLoad("10.0.0.9", 8080, 5),
                new ObservedLoad("not-an-ip", 8080, 5),
                new ObservedLoad("10.0.0.1", 9999, 5)));

    assertThat(unmatched).isEqualTo(3);
    assertThat(r.observe("nobody", seen(5))).isEqualTo(1);
    assertThat(r.cluster("nobody")).isEmpty();
    assertThat(a(r).observed()).isNull();
    assertThat(events).isEmpty();
  }

  @Test
  void anObservationDoesNotRenewTheLease() {
    Registry r = registry(LoadSource.LRS);
    r.register(key("a"), loaded("10.0.0.1", 2, 0));
    Endpoint before = a(r);
    clock.advance(java.time.Duration.ofSeconds(5));

    r.observe(CLUSTER, seen(1));

    assertThat(a(r).leaseExpiresAt()).isEqualTo(before.leaseExpiresAt());
  }
}
