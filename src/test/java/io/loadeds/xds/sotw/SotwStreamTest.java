package io.loadeds.xds.sotw;

import static io.loadeds.xds.Responses.assignment;
import static io.loadeds.xds.Responses.names;
import static io.loadeds.xds.Responses.ports;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.loadeds.config.RegistryConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.registry.EndpointKey;
import io.loadeds.registry.LoadReport;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Registry;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.SnapshotCache;
import io.loadeds.xds.FakeResourceSource;
import io.loadeds.xds.RecordingListener;
import io.loadeds.xds.Responses;
import io.loadeds.xds.XdsListener;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
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
 * The SotW state machine alone, rule by rule, as the xDS protocol document states them. The sink
 * checks nonce, version and "one un-ACKed response per type" on every send; the resources come from
 * a {@link FakeResourceSource} whose watches fire synchronously, and the stream's context is the
 * calling thread.
 */
class SotwStreamTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;

  private final FakeResourceSource source = new FakeResourceSource();
  private final RecordingListener listener = new RecordingListener();
  private final SotwClient ads = new SotwClient(source, null, Runnable::run, listener);

  @AfterEach
  void invariantsHeld() {
    ads.sink.assertNoViolations();
  }

  @Nested
  class FirstRequest {
    @Test
    void theFirstRequestIsAnswered() {
      source.cluster("a", 8080);

      DiscoveryResponse r = ads.subscribe(EDS, "a");

      assertThat(r.getTypeUrl()).isEqualTo(EDS.typeUrl());
      assertThat(ports(assignment(r))).containsExactly(8080);
    }

    @Test
    void aFirstRequestNamingAnOldVersionIsAnswered() {
      // A reconnecting client names the version it had on its previous stream.
      source.cluster("a", 8080);
      ads.send(Responses.first(SotwClient.NODE, EDS, "a").toBuilder().setVersionInfo("v0").build());

      DiscoveryResponse r = ads.sink.next();

      assertThat(r.getVersionInfo()).isNotEqualTo("v0");
      assertThat(ports(assignment(r))).containsExactly(8080);
    }

    @Test
    void aFirstRequestNamingTheCurrentVersionIsAnsweredToo() {
      source.cluster("a", 8080);
      String current = ads.subscribe(EDS, "a").getVersionInfo();
      SotwClient again = new SotwClient(source, null, Runnable::run, listener);

      again.send(
          Responses.first(SotwClient.NODE, EDS, "a").toBuilder().setVersionInfo(current).build());

      assertThat(again.sink.next().getVersionInfo()).isEqualTo(current);
      again.sink.assertNoViolations();
    }

    @Test
    void aFirstRequestCarryingANonceOfAnEarlierStreamIsAnswered() {
      // Nonces belong to a stream; a client that keeps one across a reconnect must not be left
      // waiting forever (go-control-plane checks the nonce only once it has sent that type).
      source.cluster("a", 8080);

      ads.send(
          Responses.first(SotwClient.NODE, EDS, "a").toBuilder().setResponseNonce("7").build());

      assertThat(ports(assignment(ads.sink.next()))).containsExactly(8080);
      assertThat(listener.stale).isEmpty();
    }
  }

  @Nested
  class AckAndChanges {
    @Test
    void anAckIsNotAnswered() {
      source.cluster("a", 8080);
      DiscoveryResponse r = ads.subscribe(EDS, "a");

      ads.ack(r, "a");

      ads.sink.assertNothingSent();
      assertThat(listener.acks)
          .containsExactly(
              new RecordingListener.Ack(ads.id, SotwClient.NODE, EDS, r.getVersionInfo()));
    }

    @Test
    void anAckWithNoChangeSinceTheResponseDoesNotReadTheResourcesAgain() {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");
      int readsBefore = source.reads();

      ads.ack(r1, "a");

      assertThat(source.reads()).as("reads for a plain ACK").isEqualTo(readsBefore);
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));
      DiscoveryResponse r2 = ads.sink.next();
      assertThat(ports(assignment(r2))).containsExactly(9090);
      // A notice that races the response it caused (it came after the read) costs one more read
      // at the ACK, and finds nothing new to send.
      source.fire(EDS, "a");
      ads.ack(r2, "a");
      ads.sink.assertNothingSent();
    }

    @Test
    void aChangeAfterTheAckIsPushed() {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");
      ads.ack(r1, "a");

      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));

      DiscoveryResponse r2 = ads.sink.next();
      assertThat(r2.getVersionInfo()).isNotEqualTo(r1.getVersionInfo());
      assertThat(ports(assignment(r2))).containsExactly(9090);
    }

    @Test
    void aChangeWhileUnackedIsHeldAndSentAfterTheAck() {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");

      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));
      ads.sink.assertNothingSent();
      ads.ack(r1, "a");

      assertThat(ports(assignment(ads.sink.next()))).containsExactly(9090);
    }

    @Test
    void twoChangesWhileUnackedYieldOneResponseWithTheNewestState() {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");

      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9191));
      ads.ack(r1, "a");

      assertThat(ports(assignment(ads.sink.next()))).containsExactly(9191);
      ads.sink.assertNothingSent();
    }

    @Test
    void aChangeThatIsUndoneWhileUnackedSendsNothing() {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");

      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));
      source.put(EDS, "a", FakeResourceSource.assignment("a", 8080));
      ads.ack(r1, "a");

      ads.sink.assertNothingSent();
    }

    @Test
    void noticesFoldUntilTheStreamsContextRuns() {
      HeldExecutor context = new HeldExecutor();
      SotwClient client = new SotwClient(source, null, context, listener);
      source.cluster("a", 8080);
      client.ack(client.subscribe(EDS, "a"), "a");

      context.hold();
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9191));
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9292));
      assertThat(context.queued()).as("context hops for three notices").isEqualTo(1);
      context.release();

      assertThat(ports(assignment(client.sink.next()))).containsExactly(9292);
      client.sink.assertNothingSent();
      client.sink.assertNoViolations();
    }
  }

  @Nested
  class AwaitingAck {
    @Test
    void changesWhileAResponseIsUnackedDoNotWakeTheStreamAndReachItWithTheAck() {
      CountingExecutor context = new CountingExecutor(Runnable::run);
      SotwClient client = new SotwClient(source, null, context, listener);
      source.cluster("a", 8080);
      DiscoveryResponse r1 = client.subscribe(EDS, "a");
      int before = context.tasks();

      for (int port = 9000; port < 9100; port++) {
        source.put(EDS, "a", FakeResourceSource.assignment("a", port));
      }

      assertThat(context.tasks()).as("context hops while un-ACKed").isEqualTo(before);
      client.ack(r1, "a");
      assertThat(ports(assignment(client.sink.next()))).containsExactly(9099);
      client.sink.assertNoViolations();
    }
  }

  @Nested
  class Nack {
    @Test
    void aNackIsReportedWithTheNodeIdAndTheSameContentIsNotResent() {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");
      ads.ack(r1, "a");
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));
      DiscoveryResponse r2 = ads.sink.next();

      ads.nack(r2, "bad endpoint", "a");
      source.fire(EDS, "a"); // a notice without a change

      ads.sink.assertNothingSent();
      assertThat(listener.nacks)
          .containsExactly(
              new RecordingListener.Nack(
                  ads.id, SotwClient.NODE, EDS, r2.getVersionInfo(), "bad endpoint"));
    }

    @Test
    void aNackMessageIsReportedOnOneLineAndCut() {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");

      ads.nack(r1, "bad\nWARNING forged line" + "x".repeat(100_000), "a");

      String reported = listener.nacks.get(0).error();
      assertThat(reported).startsWith("bad\\nWARNING forged line").doesNotContain("\n");
      assertThat(reported.length()).isLessThan(1100);
    }

    @Test
    void aRepeatedRequestAfterTheNackDoesNotResendTheRejectedContent() {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");

      ads.nack(r1, "bad endpoint", "a");
      // Some clients repeat their request (same nonce) after a NACK; that is not an ACK.
      ads.send(Responses.nack(r1, "", "bad endpoint", "a"));

      ads.sink.assertNothingSent();
    }

    @Test
    void afterANackTheNextDifferentContentIsSent() {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");
      ads.nack(r1, "bad endpoint", "a");

      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));

      DiscoveryResponse r2 = ads.sink.next();
      assertThat(r2.getVersionInfo()).isNotEqualTo(r1.getVersionInfo());
      assertThat(ports(assignment(r2))).containsExactly(9090);
      ads.ack(r2, "a");
      assertThat(listener.acks).hasSize(1);
    }
  }

  @Nested
  class StaleNonce {
    @Test
    void aRequestWithAStaleNonceIsIgnored() {
      source.cluster("a", 8080).cluster("b", 8181);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a");
      ads.ack(r1, "a");
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));
      DiscoveryResponse r2 = ads.sink.next();

      // Sent by the client before it saw r2: it still carries r1's nonce.
      ads.send(Responses.ack(r1, "a", "b"));

      ads.sink.assertNothingSent();
      assertThat(listener.stale)
          .containsExactly(new RecordingListener.Stale(ads.id, SotwClient.NODE, EDS));
      // The client's ACK of r2 carries its whole subscription, which is then honoured.
      ads.ack(r2, "a", "b");
      assertThat(names(ads.sink.next())).containsExactly("b");
    }
  }

  @Nested
  class Subscriptions {
    @ParameterizedTest
    @EnumSource(names = {"CLUSTER", "LISTENER"})
    void aSubscriptionChangeOfLdsOrCdsIsAnsweredWithExactlyTheNamedResources(ResourceType type) {
      source.put(type, "a", FakeResourceSource.resource(type, "a"));
      source.put(type, "b", FakeResourceSource.resource(type, "b"));
      DiscoveryResponse r1 = ads.subscribe(type, "a");
      assertThat(names(r1)).containsExactly("a");

      ads.ack(r1, "a", "b");
      DiscoveryResponse r2 = ads.sink.next();
      assertThat(names(r2)).containsExactly("a", "b");

      ads.ack(r2, "b");
      DiscoveryResponse r3 = ads.sink.next();
      assertThat(names(r3)).containsExactly("b");
      assertThat(source.openWatches(type))
          .singleElement()
          .extracting(w -> w.names())
          .isEqualTo(Set.of("b"));
    }

    @ParameterizedTest
    @EnumSource(names = {"ENDPOINT", "ROUTE"})
    void edsAndRdsSendOnlyWhatTheClientDoesNotHold(ResourceType type) {
      source.put(type, "a", FakeResourceSource.resource(type, "a"));
      source.put(type, "b", FakeResourceSource.resource(type, "b"));
      DiscoveryResponse r1 = ads.subscribe(type, "a");
      assertThat(names(r1)).containsExactly("a");

      ads.ack(r1, "a", "b");
      DiscoveryResponse r2 = ads.sink.next();
      assertThat(names(r2)).as("a is unchanged").containsExactly("b");

      ads.ack(r2, "b");
      ads.sink.assertNothingSent();
      assertThat(source.openWatches(type))
          .singleElement()
          .extracting(w -> w.names())
          .isEqualTo(Set.of("b"));

      ads.ack(r2, "a", "b");
      assertThat(names(ads.sink.next())).as("a was dropped by the client").containsExactly("a");
    }

    @Test
    void aChangeToOneOfSeveralWatchedClustersSendsOnlyThatAssignment() {
      source.cluster("a", 8080).cluster("b", 8181).cluster("c", 8282);
      DiscoveryResponse r1 = ads.subscribe(EDS, "a", "b", "c");
      assertThat(names(r1)).containsExactly("a", "b", "c");
      ads.ack(r1, "a", "b", "c");

      source.put(EDS, "b", FakeResourceSource.assignment("b", 9191));

      DiscoveryResponse r2 = ads.sink.next();
      assertThat(names(r2)).containsExactly("b");
      assertThat(ports(assignment(r2))).containsExactly(9191);
      assertThat(r2.getVersionInfo()).isNotEqualTo(r1.getVersionInfo());
    }

    @Test
    void afterANackTheRejectedAssignmentIsSentAgainWithTheNextChange() {
      source.cluster("a", 8080).cluster("b", 8181);
      ads.ack(ads.subscribe(EDS, "a", "b"), "a", "b");
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));
      DiscoveryResponse rejected = ads.sink.next();
      assertThat(names(rejected)).containsExactly("a");
      ads.nack(rejected, "bad endpoint", "a", "b");

      source.put(EDS, "b", FakeResourceSource.assignment("b", 9191));

      // The client may have kept its old a: the next response carries a again, with b.
      assertThat(names(ads.sink.next())).containsExactly("a", "b");
    }

    @Test
    void anUnknownClusterIsAnsweredWithAnEmptyAssignmentOfThatName() {
      DiscoveryResponse r = ads.subscribe(EDS, "ghost");

      assertThat(assignment(r).getClusterName()).isEqualTo("ghost");
      assertThat(assignment(r).getEndpointsCount()).isZero();
    }

    @Test
    void anUnknownClusterThatRegistersLaterIsPushed() {
      ads.ack(ads.subscribe(EDS, "ghost"), "ghost");

      source.cluster("ghost", 8080);

      assertThat(ports(assignment(ads.sink.next()))).containsExactly(8080);
    }

    @ParameterizedTest
    @EnumSource(names = {"CLUSTER", "LISTENER"})
    void emptyNamesOnTheFirstLdsOrCdsRequestAreAWildcard(ResourceType type) {
      source.cluster("a", 8080).cluster("b", 8181);

      DiscoveryResponse r = ads.subscribe(type);

      assertThat(names(r)).containsExactly("a", "b");
    }

    @ParameterizedTest
    @EnumSource(names = {"CLUSTER", "LISTENER"})
    void laterEmptyAcksKeepTheLegacyWildcard(ResourceType type) {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(type);
      ads.ack(r1);
      ads.sink.assertNothingSent();

      source.cluster("b", 8181);

      assertThat(names(ads.sink.next())).containsExactly("a", "b");
    }

    @ParameterizedTest
    @EnumSource(names = {"CLUSTER", "LISTENER"})
    void explicitNamesThenAnEmptyListUnsubscribesFromAll(ResourceType type) {
      source.cluster("a", 8080);
      DiscoveryResponse r1 = ads.subscribe(type, "a");
      assertThat(names(r1)).containsExactly("a");

      ads.ack(r1);
      DiscoveryResponse r2 = ads.sink.next();
      assertThat(r2.getResourcesList()).isEmpty();

      ads.ack(r2);
      source.cluster("b", 8181);
      ads.sink.assertNothingSent();
    }

    @ParameterizedTest
    @EnumSource(names = {"CLUSTER", "LISTENER"})
    void starIsAnExplicitWildcard(ResourceType type) {
      source.cluster("a", 8080).cluster("b", 8181);
      DiscoveryResponse r1 = ads.subscribe(type, "a");
      assertThat(names(r1)).containsExactly("a");

      ads.ack(r1, "*");
      DiscoveryResponse r2 = ads.sink.next();
      assertThat(names(r2)).containsExactly("a", "b");

      ads.ack(r2, "*");
      source.cluster("c", 8282);
      assertThat(names(ads.sink.next())).containsExactly("a", "b", "c");
    }

    @ParameterizedTest
    @EnumSource(names = {"ENDPOINT", "ROUTE"})
    void emptyNamesOnEdsOrRdsAreNothing(ResourceType type) {
      source.cluster("a", 8080);

      DiscoveryResponse r = ads.subscribe(type);
      assertThat(r.getResourcesList()).isEmpty();

      ads.ack(r);
      source.cluster("b", 8181);
      ads.sink.assertNothingSent();
    }

    @Test
    void typesAreIndependentOnOneAdsStream() {
      source.cluster("a", 8080);
      DiscoveryResponse eds = ads.subscribe(EDS, "a");

      // An un-ACKed EDS response does not hold back the first CDS answer.
      DiscoveryResponse cds = ads.subscribe(ResourceType.CLUSTER);

      assertThat(names(cds)).containsExactly("a");
      assertThat(cds.getNonce()).isNotEqualTo(eds.getNonce());
    }
  }

  @Nested
  class TypeUrls {
    @Test
    void aPerTypeServiceFailsAForeignTypeUrlWithInvalidArgument() {
      SotwClient eds = new SotwClient(source, EDS, Runnable::run, listener);

      eds.send(Responses.first(SotwClient.NODE, ResourceType.CLUSTER));

      assertThat(eds.sink.failure()).isNotNull();
      assertThat(eds.sink.failure().grpcStatus()).isEqualTo(3);
      assertThat(eds.sink.failure().description()).contains(ResourceType.CLUSTER.typeUrl());
      assertThat(listener.closed).containsExactly(eds.id);
      eds.send(Responses.first(SotwClient.NODE, EDS, "a"));
      eds.sink.assertNothingSent();
      eds.sink.assertNoViolations();
    }

    @Test
    void aPerTypeServiceTakesAnEmptyTypeUrlAsItsOwn() {
      source.cluster("a", 8080);
      SotwClient eds = new SotwClient(source, EDS, Runnable::run, listener);

      eds.send(Responses.first(SotwClient.NODE, EDS, "a").toBuilder().clearTypeUrl().build());

      assertThat(ports(assignment(eds.sink.next()))).containsExactly(8080);
      eds.sink.assertNoViolations();
    }

    @Test
    void aRequestNamingMoreThanTheLimitEndsTheStreamAndWatchesNothing() {
      source.cluster("a", 8080);
      SotwClient limited = new SotwClient(source, null, Runnable::run, listener, 3);
      limited.ack(limited.subscribe(EDS, "a", "b", "c"), "a", "b", "c");

      limited.send(Responses.first(SotwClient.NODE, EDS, "a", "b", "c", "d"));

      assertThat(limited.sink.failure()).isNotNull();
      assertThat(limited.sink.failure().grpcStatus()).isEqualTo(3);
      assertThat(limited.sink.failure().description())
          .contains("names 4", "at most 3", "xds.maxNamesPerSubscription");
      assertThat(source.openWatches(EDS)).isEmpty();
    }

    @Test
    void adsFailsARequestWithoutTypeUrlWithInvalidArgument() {
      ads.send(Responses.first(SotwClient.NODE, EDS, "a").toBuilder().clearTypeUrl().build());

      assertThat(ads.sink.failure()).isNotNull();
      assertThat(ads.sink.failure().grpcStatus()).isEqualTo(3);
      assertThat(ads.sink.failure().description()).contains("type_url is required");
      ads.sink.assertNothingSent();
    }

    @Test
    void adsIgnoresAnUnknownTypeUrlWithoutEndingTheStream() {
      source.cluster("a", 8080);

      ads.send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret")
              .addResourceNames("cert")
              .build());

      ads.sink.assertNothingSent();
      assertThat(ads.sink.failure()).isNull();
      assertThat(ports(assignment(ads.subscribe(EDS, "a")))).containsExactly(8080);
    }
  }

  @Nested
  class Lifecycle {
    @Test
    void closingReleasesTheWatchesAndIgnoresLaterRequests() {
      source.cluster("a", 8080);
      ads.ack(ads.subscribe(EDS, "a"), "a");
      ads.subscribe(ResourceType.CLUSTER);

      ads.close();

      assertThat(source.openWatches(EDS)).isEmpty();
      assertThat(source.openWatches(ResourceType.CLUSTER)).isEmpty();
      assertThat(listener.closed).containsExactly(ads.id);
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));
      ads.send(Responses.first(SotwClient.NODE, ResourceType.ROUTE, "a"));
      ads.sink.assertNothingSent();
    }
  }

  @Nested
  class Listener {
    @Test
    void aListenerThatThrowsDoesNotAffectTheStream() {
      XdsListener throwing =
          new XdsListener() {
            @Override
            public void responseSent(
                long streamId, String nodeId, ResourceType type, String version) {
              throw new IllegalStateException("listener bug");
            }

            @Override
            public void acked(long streamId, String nodeId, ResourceType type, String version) {
              throw new IllegalStateException("listener bug");
            }
          };
      SotwClient client = new SotwClient(source, null, Runnable::run, throwing);
      source.cluster("a", 8080);

      DiscoveryResponse r1 = client.subscribe(EDS, "a");
      client.ack(r1, "a");
      source.put(EDS, "a", FakeResourceSource.assignment("a", 9090));

      assertThat(ports(assignment(client.sink.next()))).containsExactly(9090);
      client.sink.assertNoViolations();
    }
  }

  /**
   * Per-resource wake-ups need the real cache: the point is that a stream watching B is not even
   * scheduled on its context when only A changes.
   */
  @Nested
  class PerResourceWakeUps {
    private final Vertx vertx = Vertx.vertx();
    private final ExecutorService threadA = Executors.newSingleThreadExecutor();
    private final ExecutorService threadB = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() throws Exception {
      threadA.shutdownNow();
      threadB.shutdownNow();
      vertx.close().await(5, TimeUnit.SECONDS);
    }

    @Test
    void aStreamWatchingBIsNotWokenWhenOnlyAChanges() throws Exception {
      Registry registry = new Registry(RegistryConfig.defaults(), Clock.systemUTC());
      SnapshotCache cache =
          SnapshotCache.create(
              vertx, registry, XdsConfig.defaults().withWeightCoalesceWindow(Duration.ZERO));
      registry.register(
          new EndpointKey("a", "a1"), Registration.of("10.0.0.1", 8080).withLoad(10, 0));
      registry.register(
          new EndpointKey("b", "b1"), Registration.of("10.0.0.2", 8080).withLoad(10, 0));
      CountingExecutor contextA = new CountingExecutor(threadA);
      CountingExecutor contextB = new CountingExecutor(threadB);
      SotwClient a = new SotwClient(cache, null, contextA, listener);
      SotwClient b = new SotwClient(cache, null, contextB, listener);
      DiscoveryResponse a1 = awaitEndpoints(a, "a");
      DiscoveryResponse b1 = awaitEndpoints(b, "b");
      int tasksOfB = contextB.tasks();

      registry.report(new EndpointKey("a", "a1"), LoadReport.active(5));

      DiscoveryResponse a2 = a.sink.next();
      assertThat(a2.getVersionInfo()).isNotEqualTo(a1.getVersionInfo());
      assertThat(
              assignment(a2).getEndpoints(0).getLbEndpoints(0).getLoadBalancingWeight().getValue())
          .isEqualTo(5);
      b.sink.assertNothingSent(Duration.ofMillis(200));
      assertThat(contextB.tasks()).as("tasks run on B's context").isEqualTo(tasksOfB);
      assertThat(b1.getVersionInfo()).isNotEmpty();
      a.sink.assertNoViolations();
      b.sink.assertNoViolations();
    }

    /** Subscribes to a cluster and ACKs until the cache has published its endpoint. */
    private DiscoveryResponse awaitEndpoints(SotwClient client, String cluster) {
      DiscoveryResponse r = client.subscribe(EDS, cluster);
      client.ack(r, cluster);
      while (assignment(r).getEndpointsCount() == 0) {
        r = client.sink.next();
        client.ack(r, cluster);
      }
      return r;
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
