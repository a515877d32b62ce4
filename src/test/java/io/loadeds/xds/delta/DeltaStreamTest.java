package io.loadeds.xds.delta;

import static io.loadeds.xds.Responses.ports;
import static io.loadeds.xds.delta.DeltaMessages.assignment;
import static io.loadeds.xds.delta.DeltaMessages.names;
import static io.loadeds.xds.delta.DeltaMessages.versions;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.loadeds.config.RegistryConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.LoadReport;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.SnapshotCache;
import io.loadeds.testing.Heap;
import io.loadeds.xds.FakeResourceSource;
import io.loadeds.xds.RecordingListener;
import io.loadeds.xds.XdsListener;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The delta state machine alone, rule by rule, as the xDS protocol document ("Incremental xDS")
 * states them. The sink checks nonces, versions and "one un-ACKed response per type" on every send;
 * the resources come from a {@link FakeResourceSource} whose watches fire synchronously, and the
 * stream's context is the calling thread.
 */
class DeltaStreamTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;
  private static final ResourceType CDS = ResourceType.CLUSTER;

  private final FakeResourceSource source = new FakeResourceSource();
  private final RecordingListener listener = new RecordingListener();
  private final DeltaClient ads = new DeltaClient(source, null, Runnable::run, listener);

  @AfterEach
  void invariantsHeld() {
    ads.sink.assertNoViolations();
  }

  private String version(ResourceType type, String name) {
    return source.get(type, name).orElseThrow().version();
  }

  private void moveA(int port) {
    source.put(EDS, "a", FakeResourceSource.assignment("a", port));
  }

  @Nested
  class FirstRequest {
    @Test
    void explicitNamesAreAnsweredWithThoseResourcesAndTheirVersions() {
      source.cluster("a", 8080).cluster("b", 8181);

      DeltaDiscoveryResponse r = ads.subscribe(EDS, "a");

      assertThat(r.getTypeUrl()).isEqualTo(EDS.typeUrl());
      assertThat(versions(r)).isEqualTo(Map.of("a", version(EDS, "a")));
      assertThat(ports(assignment(r, "a"))).containsExactly(8080);
      assertThat(r.getRemovedResourcesList()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(names = {"CLUSTER", "LISTENER"})
    void noNamesOnTheFirstLdsOrCdsRequestIsAWildcard(ResourceType type) {
      source.cluster("a", 8080).cluster("b", 8181);
      DeltaDiscoveryResponse r1 = ads.subscribe(type);
      assertThat(names(r1)).containsExactly("a", "b");
      ads.ack(r1);

      source.cluster("c", 8282);

      // Only what changed: a and b are not sent again.
      assertThat(names(ads.sink.next())).containsExactly("c");
    }

    @Test
    void starIsAnExplicitWildcard() {
      source.cluster("a", 8080).cluster("b", 8181);

      assertThat(names(ads.subscribe(CDS, "*"))).containsExactly("a", "b");
    }

    @Test
    void aFirstWildcardRequestIsAnsweredEvenWithNothingToSend() {
      // Envoy's initialisation waits for the first CDS answer.
      DeltaDiscoveryResponse r = ads.subscribe(CDS);

      assertThat(r.getResourcesList()).isEmpty();
      assertThat(r.getRemovedResourcesList()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(names = {"ENDPOINT", "ROUTE"})
    void noNamesOnEdsOrRdsSubscribesToNothing(ResourceType type) {
      source.cluster("a", 8080);

      ads.send(DeltaMessages.first(type));
      source.cluster("b", 8181);

      ads.sink.assertNothingSent();
    }
  }

  @Nested
  class Subscriptions {
    @Test
    void subscribingMidStreamSendsOnlyTheNewResource() {
      source.cluster("a", 8080).cluster("b", 8181);
      ads.ack(ads.subscribe(EDS, "a"));

      ads.send(DeltaMessages.subscribe(EDS, "b"));

      assertThat(names(ads.sink.next())).containsExactly("b");
      assertThat(source.openWatches(EDS))
          .singleElement()
          .extracting(w -> w.names())
          .isEqualTo(Set.of("a", "b"));
    }

    @Test
    void subscriptionsThatAddUpToMoreThanTheLimitEndTheStream() {
      source.cluster("a", 8080).cluster("b", 8181);
      DeltaClient limited = new DeltaClient(source, null, Runnable::run, listener, 3);
      limited.ack(limited.subscribe(EDS, "a", "b"));
      limited.send(DeltaMessages.unsubscribe(EDS, "b"));
      limited.send(DeltaMessages.subscribe(EDS, "c", "d")); // a, c, d: at the limit

      limited.send(DeltaMessages.subscribe(EDS, "e"));

      assertThat(limited.sink.failure()).isNotNull();
      assertThat(limited.sink.failure().grpcStatus()).isEqualTo(3);
      assertThat(limited.sink.failure().description()).contains("names 4", "at most 3");
      assertThat(source.openWatches(EDS)).isEmpty();
    }

    @Test
    void namesThatAddUpToMoreCharactersThanOneRequestMayCarryEndTheStream() {
      source.cluster("a", 8080);
      // 10 characters at most: what a SotW client could name in one request of that size.
      DeltaClient limited = new DeltaClient(source, null, Runnable::run, listener, 100, 10);
      limited.ack(limited.subscribe(EDS, "a", "bbbb"));
      limited.send(DeltaMessages.subscribe(EDS, "ccccc")); // 1 + 4 + 5: at the limit

      limited.send(DeltaMessages.subscribe(EDS, "dd"));

      assertThat(limited.sink.failure()).isNotNull();
      assertThat(limited.sink.failure().grpcStatus()).isEqualTo(3);
      assertThat(limited.sink.failure().description())
          .contains("12 characters", "at most 10", "xds.maxMessageBytes");
      assertThat(source.openWatches(EDS)).isEmpty();
    }

    @Test
    void unsubscribingSendsNothingAndStopsTheUpdates() {
      source.cluster("a", 8080).cluster("b", 8181);
      ads.ack(ads.subscribe(EDS, "a", "b"));

      ads.send(DeltaMessages.unsubscribe(EDS, "a"));
      moveA(9090);
      ads.sink.assertNothingSent();

      source.put(EDS, "b", FakeResourceSource.assignment("b", 9191));
      assertThat(names(ads.sink.next())).containsExactly("b");
    }

    @Test
    void resubscribingSendsTheResourceAgainThoughItDidNotChange() {
      source.cluster("a", 8080);
      DeltaDiscoveryResponse r1 = ads.subscribe(EDS, "a");
      ads.ack(r1);
      ads.send(DeltaMessages.unsubscribe(EDS, "a"));

      ads.send(DeltaMessages.subscribe(EDS, "a"));

      assertThat(versions(ads.sink.next())).isEqualTo(versions(r1));
    }

    @Test
    void subscribingToANameTheClientHoldsSendsItAgain() {
      // "the server must still provide those resources": the client may have forgotten them.
      source.cluster("a", 8080);
      ads.ack(ads.subscribe(EDS, "a"));

      ads.send(DeltaMessages.subscribe(EDS, "a"));

      assertThat(names(ads.sink.next())).containsExactly("a");
    }

    @Test
    void aPhantomUnsubscriptionIsIgnored() {
      source.cluster("a", 8080);
      ads.ack(ads.subscribe(EDS, "a"));

      ads.send(DeltaMessages.unsubscribe(EDS, "never-subscribed"));

      ads.sink.assertNothingSent();
    }

    @Test
    void namesAddToTheLegacyWildcardUntilStarIsUnsubscribed() {
      // The protocol document's incremental example, step by step.
      source.cluster("a", 8080).cluster("b", 8181);
      ads.ack(ads.subscribe(CDS));
      ads.send(DeltaMessages.subscribe(CDS, "a"));
      ads.ack(ads.sink.next());

      source.cluster("c", 8282);
      DeltaDiscoveryResponse r3 = ads.sink.next();
      assertThat(names(r3)).as("still a wildcard").containsExactly("c");
      ads.ack(r3);

      ads.send(DeltaMessages.unsubscribe(CDS, "*"));
      ads.sink.assertNothingSent();
      source.remove(CDS, "b"); // only the wildcard covered b: no longer the client's business
      ads.sink.assertNothingSent();
      assertThat(source.openWatches(CDS).get(0).wildcard()).isFalse();
      assertThat(source.openWatches(CDS).get(0).names()).containsExactly("a");
    }

    @Test
    void unsubscribingANameTheWildcardStillCoversSendsItAgain() {
      // The one unsubscription the server answers: the client cannot know whether to keep it.
      source.cluster("a", 8080).cluster("b", 8181);
      DeltaDiscoveryResponse r1 = ads.subscribe(CDS, "*", "a", "ghost");
      assertThat(names(r1)).containsExactly("a", "b");
      assertThat(r1.getRemovedResourcesList()).containsExactly("ghost");
      ads.ack(r1);

      ads.send(DeltaMessages.unsubscribe(CDS, "a", "ghost"));

      DeltaDiscoveryResponse r2 = ads.sink.next();
      assertThat(names(r2)).containsExactly("a");
      // The client was told ghost does not exist and nothing has it: nothing to keep or drop.
      assertThat(r2.getRemovedResourcesList()).isEmpty();
    }

    @Test
    void namesSubscribedAndDroppedBeforeAnAckLeaveNothingToSend() {
      source.cluster("a", 8080);
      DeltaDiscoveryResponse r1 = ads.subscribe(CDS, "*");
      assertThat(names(r1)).containsExactly("a");

      // Not yet ACKed: the stream sends nothing meanwhile, and must not pile these up for later.
      for (int i = 0; i < 3; i++) {
        ads.send(DeltaMessages.subscribe(CDS, "ghost-" + i));
        ads.send(DeltaMessages.unsubscribe(CDS, "ghost-" + i));
      }
      ads.ack(r1);

      ads.sink.assertNothingSent();
    }

    /**
     * A client that never ACKs is never sent a diff; names it subscribes to and drops meanwhile
     * must not wait in the stream for one, or long names would pile up without bound.
     */
    @Test
    void namesSubscribedAndDroppedByAClientThatNeverAcksAreNotKept() throws Exception {
      source.cluster("a", 8080);
      DeltaClient silent = new DeltaClient(source, null, Runnable::run, XdsListener.NONE);
      silent.subscribe(EDS, "a"); // never ACKed
      int pairs = 100;
      int chars = 20_000;
      long before = Heap.liveBytes();
      for (int i = 0; i < pairs; i++) {
        String name = i + "-" + "x".repeat(chars);
        silent.send(DeltaMessages.subscribe(EDS, name));
        silent.send(DeltaMessages.unsubscribe(EDS, name));
      }
      long after = Heap.liveBytes();

      // Kept, the names were 2 MB.
      assertThat(after - before)
          .as("bytes the stream grew by for %d names of %d characters dropped", pairs, chars)
          .isLessThan(pairs * chars / 4);
      assertThat(silent.sink.failure()).isNull();
    }

    @Test
    void aRequestWithAStaleNonceIsNoAckButItsSubscriptionCounts() {
      source.cluster("a", 8080).cluster("b", 8181);
      DeltaDiscoveryResponse r1 = ads.subscribe(EDS, "a");
      ads.ack(r1);
      moveA(9090);
      DeltaDiscoveryResponse r2 = ads.sink.next();

      // Written before the client saw r2: it carries r1's nonce, and subscribes to b.
      ads.send(DeltaMessages.ack(r1).toBuilder().addResourceNamesSubscribe("b").build());

      ads.sink.assertNothingSent(); // r2 is still un-ACKed
      assertThat(listener.stale)
          .containsExactly(new RecordingListener.Stale(ads.id, DeltaMessages.NODE, EDS));
      assertThat(listener.acks).hasSize(1);
      ads.ack(r2);
      assertThat(names(ads.sink.next())).containsExactly("b");
    }
  }

  @Nested
  class Reconnect {
    private DeltaClient reconnected() {
      return new DeltaClient(source, null, Runnable::run, listener);
    }

    @Test
    void resourcesTheClientHoldsUnchangedAreNotSentAgain() {
      source.cluster("a", 8080).cluster("b", 8181);
      Map<String, String> held = versions(ads.subscribe(EDS, "a", "b"));
      DeltaClient again = reconnected();

      again.send(DeltaMessages.reconnect(EDS, held, "a", "b"));

      again.sink.assertNothingSent();
      moveA(9090);
      assertThat(names(again.sink.next())).containsExactly("a");
      again.sink.assertNoViolations();
    }

    @Test
    void onlyWhatDiffersIsSent() {
      source.cluster("a", 8080).cluster("b", 8181);
      DeltaClient again = reconnected();

      again.send(
          DeltaMessages.reconnect(
              EDS, Map.of("a", version(EDS, "a"), "b", "an-old-version"), "a", "b"));

      DeltaDiscoveryResponse r = again.sink.next();
      assertThat(versions(r)).isEqualTo(Map.of("b", version(EDS, "b")));
      again.sink.assertNoViolations();
    }

    @Test
    void heldAssignmentsThatNoLongerExistAreEmptied() {
      source.cluster("a", 8080);
      DeltaClient again = reconnected();

      again.send(
          DeltaMessages.reconnect(EDS, Map.of("a", version(EDS, "a"), "gone", "v1"), "a", "gone"));

      DeltaDiscoveryResponse r = again.sink.next();
      assertThat(names(r)).containsExactly("gone");
      assertThat(assignment(r, "gone").getEndpointsList()).isEmpty();
      assertThat(r.getRemovedResourcesList()).isEmpty();
      again.sink.assertNoViolations();
    }

    @Test
    void heldResourcesThatNoLongerExistAreRemoved() {
      source.cluster("a", 8080);
      DeltaClient again = reconnected();

      again.send(
          DeltaMessages.reconnect(CDS, Map.of("a", version(CDS, "a"), "gone", "v1"), "a", "gone"));

      DeltaDiscoveryResponse r = again.sink.next();
      assertThat(r.getResourcesList()).isEmpty();
      assertThat(r.getRemovedResourcesList()).containsExactly("gone");
      again.sink.assertNoViolations();
    }

    @Test
    void aWildcardReconnectIsAnsweredWithTheDifferenceEvenIfEmpty() {
      source.cluster("a", 8080);
      DeltaClient same = reconnected();
      DeltaClient stale = reconnected();

      same.send(DeltaMessages.reconnect(CDS, Map.of("a", version(CDS, "a"))));
      stale.send(DeltaMessages.reconnect(CDS, Map.of("a", version(CDS, "a"), "gone", "v1")));

      DeltaDiscoveryResponse r1 = same.sink.next();
      assertThat(r1.getResourcesList()).isEmpty();
      assertThat(r1.getRemovedResourcesList()).isEmpty();
      DeltaDiscoveryResponse r2 = stale.sink.next();
      assertThat(r2.getResourcesList()).isEmpty();
      assertThat(r2.getRemovedResourcesList()).containsExactly("gone");
      same.sink.assertNoViolations();
      stale.sink.assertNoViolations();
    }

    @Test
    void initialVersionsOnALaterRequestAreIgnored() {
      source.cluster("a", 8080);
      ads.ack(ads.subscribe(EDS, "a"));

      ads.send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(EDS.typeUrl())
              .putInitialResourceVersions("a", "something-else")
              .putInitialResourceVersions("gone", "v1")
              .build());

      ads.sink.assertNothingSent();
    }
  }

  @Nested
  class Removal {
    @Test
    void anAssignmentThatDisappearsIsSentEmptyNotRemoved() {
      // Envoy ignores delta removals of ClusterLoadAssignments and would keep the last hosts.
      source.cluster("a", 8080).cluster("b", 8181);
      ads.ack(ads.subscribe(EDS, "a", "b"));

      source.remove(EDS, "a");

      DeltaDiscoveryResponse r = ads.sink.next();
      assertThat(names(r)).containsExactly("a");
      assertThat(assignment(r, "a").getEndpointsList()).isEmpty();
      assertThat(r.getRemovedResourcesList()).isEmpty();
    }

    @Test
    void aClusterThatDisappearsIsSentInRemovedResources() {
      source.cluster("a", 8080).cluster("b", 8181);
      ads.ack(ads.subscribe(CDS, "a", "b"));

      source.remove(CDS, "a");

      DeltaDiscoveryResponse r = ads.sink.next();
      assertThat(r.getResourcesList()).isEmpty();
      assertThat(r.getRemovedResourcesList()).containsExactly("a");
      assertThat(ads.sink.held(CDS)).containsOnlyKeys("b");
    }

    @Test
    void aWildcardClientIsToldOfRemovalsToo() {
      source.cluster("a", 8080).cluster("b", 8181);
      ads.ack(ads.subscribe(CDS));

      source.remove(CDS, "b");

      assertThat(ads.sink.next().getRemovedResourcesList()).containsExactly("b");
    }

    @Test
    void anUnknownEdsNameGetsThePlaceholderOnceThenTheRealThing() {
      DeltaDiscoveryResponse r1 = ads.subscribe(EDS, "ghost");
      assertThat(assignment(r1, "ghost").getEndpointsList()).isEmpty();
      ads.ack(r1);
      source.fire(EDS, "ghost");
      ads.sink.assertNothingSent();

      source.cluster("ghost", 8080);
      DeltaDiscoveryResponse r2 = ads.sink.next();
      assertThat(ports(assignment(r2, "ghost"))).containsExactly(8080);
      ads.ack(r2);

      source.remove(EDS, "ghost");
      DeltaDiscoveryResponse r3 = ads.sink.next();
      assertThat(assignment(r3, "ghost").getEndpointsList()).isEmpty();
      assertThat(r3.getRemovedResourcesList()).isEmpty();
      ads.ack(r3);
      source.fire(EDS, "ghost");
      ads.sink.assertNothingSent();
    }

    @Test
    void anUnknownNameOfAnotherTypeIsAnsweredAsRemoved() {
      // The delta protocol's "does not exist": no 15 s timeout on the client.
      DeltaDiscoveryResponse r1 = ads.subscribe(CDS, "ghost");
      assertThat(r1.getResourcesList()).isEmpty();
      assertThat(r1.getRemovedResourcesList()).containsExactly("ghost");
      ads.ack(r1);

      source.cluster("ghost", 8080);

      assertThat(names(ads.sink.next())).containsExactly("ghost");
    }
  }

  @Nested
  class AckAndNack {
    @Test
    void anAckIsNotAnsweredAndIsReportedWithTheSystemVersion() {
      source.cluster("a", 8080);
      DeltaDiscoveryResponse r = ads.subscribe(EDS, "a");

      ads.ack(r);

      ads.sink.assertNothingSent();
      assertThat(listener.acks)
          .containsExactly(
              new RecordingListener.Ack(ads.id, DeltaMessages.NODE, EDS, r.getSystemVersionInfo()));
    }

    @Test
    void aNackIsReportedAndTheRejectedVersionsAreNotSentAgain() {
      source.cluster("a", 8080).cluster("b", 8181);
      ads.ack(ads.subscribe(EDS, "a", "b"));
      moveA(9090);
      DeltaDiscoveryResponse r2 = ads.sink.next();

      ads.nack(r2, "bad endpoint");
      source.fire(EDS, "a"); // a notice without a change
      ads.sink.assertNothingSent();
      source.put(EDS, "b", FakeResourceSource.assignment("b", 9191));

      assertThat(names(ads.sink.next()))
          .as("only b; a's rejected version stays out")
          .containsExactly("b");
      assertThat(listener.nacks)
          .containsExactly(
              new RecordingListener.Nack(
                  ads.id, DeltaMessages.NODE, EDS, r2.getSystemVersionInfo(), "bad endpoint"));
    }

    @Test
    void afterANackTheNextDifferentVersionIsSent() {
      source.cluster("a", 8080);
      DeltaDiscoveryResponse r1 = ads.subscribe(EDS, "a");
      ads.nack(r1, "bad endpoint");

      moveA(9090);

      DeltaDiscoveryResponse r2 = ads.sink.next();
      assertThat(ports(assignment(r2, "a"))).containsExactly(9090);
      assertThat(r2.getSystemVersionInfo()).isNotEqualTo(r1.getSystemVersionInfo());
    }
  }

  @Nested
  class Folding {
    @Test
    void changesWhileUnackedAreHeldAndSentAsOneDiff() {
      source.cluster("a", 8080).cluster("b", 8181).cluster("c", 8282);
      DeltaDiscoveryResponse r1 = ads.subscribe(EDS, "a", "b", "c");

      moveA(9090);
      moveA(9191);
      source.remove(EDS, "b");
      ads.sink.assertNothingSent();
      ads.ack(r1);

      DeltaDiscoveryResponse r2 = ads.sink.next();
      assertThat(names(r2)).containsExactly("a", "b");
      assertThat(ports(assignment(r2, "a"))).containsExactly(9191);
      assertThat(assignment(r2, "b").getEndpointsList()).isEmpty();
      assertThat(r2.getRemovedResourcesList()).isEmpty();
      ads.ack(r2);
      ads.sink.assertNothingSent();
    }

    @Test
    void aChangeUndoneWhileUnackedSendsNothing() {
      source.cluster("a", 8080);
      DeltaDiscoveryResponse r1 = ads.subscribe(EDS, "a");

      moveA(9090);
      moveA(8080);
      ads.ack(r1);

      ads.sink.assertNothingSent();
    }

    @Test
    void noticesFoldUntilTheStreamsContextRuns() {
      HeldExecutor context = new HeldExecutor();
      DeltaClient client = new DeltaClient(source, null, context, listener);
      source.cluster("a", 8080);
      client.ack(client.subscribe(EDS, "a"));

      context.hold();
      moveA(9090);
      moveA(9191);
      moveA(9292);
      assertThat(context.queued()).as("context hops for three notices").isEqualTo(1);
      context.release();

      assertThat(ports(assignment(client.sink.next(), "a"))).containsExactly(9292);
      client.sink.assertNothingSent();
      client.sink.assertNoViolations();
    }

    @Test
    void typesAreIndependentOnOneAdsStream() {
      source.cluster("a", 8080);
      DeltaDiscoveryResponse eds = ads.subscribe(EDS, "a");

      // An un-ACKed EDS response does not hold back the CDS answer.
      DeltaDiscoveryResponse cds = ads.subscribe(CDS);

      assertThat(names(cds)).containsExactly("a");
      assertThat(cds.getNonce()).isNotEqualTo(eds.getNonce());
    }
  }

  @Test
  void theSystemVersionNamesWhatTheClientHolds() {
    source.cluster("a", 8080).cluster("b", 8181);
    DeltaClient other = new DeltaClient(source, null, Runnable::run, listener);
    DeltaDiscoveryResponse both = ads.subscribe(EDS, "a", "b");
    DeltaDiscoveryResponse onlyA = other.subscribe(EDS, "a");
    other.ack(onlyA);

    other.send(DeltaMessages.subscribe(EDS, "b"));

    assertThat(other.sink.next().getSystemVersionInfo())
        .isEqualTo(both.getSystemVersionInfo())
        .isNotEqualTo(onlyA.getSystemVersionInfo());
  }

  @Nested
  class TypeUrls {
    @Test
    void aPerTypeServiceFailsAForeignTypeUrlWithInvalidArgument() {
      DeltaClient eds = new DeltaClient(source, EDS, Runnable::run, listener);

      eds.send(DeltaMessages.first(CDS));

      assertThat(eds.sink.failure()).isNotNull();
      assertThat(eds.sink.failure().grpcStatus()).isEqualTo(3);
      assertThat(eds.sink.failure().description()).contains(CDS.typeUrl());
      assertThat(listener.closed).containsExactly(eds.id);
      eds.send(DeltaMessages.first(EDS, "a"));
      eds.sink.assertNothingSent();
      eds.sink.assertNoViolations();
    }

    @Test
    void aPerTypeServiceTakesAnEmptyTypeUrlAsItsOwn() {
      source.cluster("a", 8080);
      DeltaClient eds = new DeltaClient(source, EDS, Runnable::run, listener);

      eds.send(DeltaMessages.first(EDS, "a").toBuilder().clearTypeUrl().build());

      assertThat(names(eds.sink.next())).containsExactly("a");
      eds.sink.assertNoViolations();
    }

    @Test
    void adsIgnoresAnUnknownTypeUrlWithoutEndingTheStream() {
      source.cluster("a", 8080);

      ads.send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret")
              .addResourceNamesSubscribe("cert")
              .build());

      ads.sink.assertNothingSent();
      assertThat(ads.sink.failure()).isNull();
      assertThat(names(ads.subscribe(EDS, "a"))).containsExactly("a");
    }
  }

  @Test
  void closingReleasesTheWatchesAndIgnoresLaterRequests() {
    source.cluster("a", 8080);
    ads.ack(ads.subscribe(EDS, "a"));
    ads.subscribe(CDS);

    ads.close();

    assertThat(source.openWatches(EDS)).isEmpty();
    assertThat(source.openWatches(CDS)).isEmpty();
    assertThat(listener.closed).containsExactly(ads.id);
    moveA(9090);
    ads.send(DeltaMessages.first(ResourceType.ROUTE, "a"));
    ads.sink.assertNothingSent();
  }

  /**
   * Per-resource wake-ups need the real cache: the point is that a stream watching B is not even
   * scheduled on its context when only A changes.
   */
  @Nested
  class PerResourceWakeUps {
    private final io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    private final ExecutorService threadA = Executors.newSingleThreadExecutor();
    private final ExecutorService threadB = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() throws Exception {
      threadA.shutdownNow();
      threadB.shutdownNow();
      vertx.close().await(5, TimeUnit.SECONDS);
    }

    @Test
    void aStreamWatchingBIsNotWokenWhenOnlyAChanges() {
      Registry registry = new Registry(RegistryConfig.defaults(), Clock.systemUTC());
      SnapshotCache cache =
          SnapshotCache.create(
              vertx, registry, XdsConfig.defaults().withWeightCoalesceWindow(Duration.ZERO));
      registry.register(
          new EndpointKey("a", "a1"), Registration.of("10.0.0.1", 8080).withLoad(10, 0));
      registry.register(
          new EndpointKey("b", "b1"), Registration.of("10.0.0.2", 8080).withLoad(10, 0));
      CountingExecutor contextB = new CountingExecutor(threadB);
      DeltaClient a = new DeltaClient(cache, null, threadA::execute, listener);
      DeltaClient b = new DeltaClient(cache, null, contextB, listener);
      awaitEndpoints(a, "a");
      awaitEndpoints(b, "b");
      int tasksOfB = contextB.tasks();

      registry.report(new EndpointKey("a", "a1"), LoadReport.active(5));

      DeltaDiscoveryResponse a2 = a.sink.next();
      assertThat(assignment(a2, "a").getEndpoints(0).getLbEndpoints(0))
          .extracting(e -> e.getLoadBalancingWeight().getValue())
          .isEqualTo(5);
      b.sink.assertNothingSent(Duration.ofMillis(200));
      assertThat(contextB.tasks()).as("tasks run on B's context").isEqualTo(tasksOfB);
      a.sink.assertNoViolations();
      b.sink.assertNoViolations();
    }

    /** Subscribes to a cluster and ACKs until the client holds its endpoint. */
    private void awaitEndpoints(DeltaClient client, String cluster) {
      DeltaDiscoveryResponse r = client.subscribe(EDS, cluster);
      client.ack(r);
      while (assignment(r, cluster).getEndpointsCount() == 0) {
        r = client.sink.next();
        client.ack(r);
      }
    }
  }

  /** Runs tasks on the calling thread, or queues them while held. */
  private static final class HeldExecutor implements Executor {
    private final Queue<Runnable> queue = new ArrayDeque<>();
    private boolean held;

    @Override
    public void execute(Runnable task) {
      if (held) {
        queue.add(task);
      } else {
        task.run();
      }
    }

    void hold() {
      held = true;
    }

    int queued() {
      return queue.size();
    }

    void release() {
      held = false;
      while (!queue.isEmpty()) {
        queue.poll().run();
      }
    }
  }

  /** Counts the tasks handed to a stream's context. */
  private static final class CountingExecutor implements Executor {
    private final Executor delegate;
    private final AtomicInteger tasks = new AtomicInteger();

    CountingExecutor(Executor delegate) {
      this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
      tasks.incrementAndGet();
      delegate.execute(task);
    }

    int tasks() {
      return tasks.get();
    }
  }
}
