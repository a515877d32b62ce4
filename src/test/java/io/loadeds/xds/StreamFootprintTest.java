package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.loadeds.snapshot.ResourceType;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the server's own classes keep per open xDS stream (issue 17: at most 1 KB per stream in
 * all). It opens streams through the real wiring, each watching ten clusters and settled (its
 * response ACKed), and counts the live instances of the server's classes (lambdas and arrays of
 * them included, the tests' own classes not) in the JVM's class histogram, which collects garbage
 * first, so the counts are exact and not timing dependent. A regression that adds a closure, a map
 * entry holder or a per-type object to every stream shows up here.
 */
class StreamFootprintTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;
  private static final int STREAMS = 200;
  private static final int CHANNELS = 4;
  private static final String[] CLUSTERS = {
    "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"
  };
  // " 12:   34   5678  io.loadeds.xds.BoundCall (...)" or "[Lio.loadeds...;"
  private static final Pattern ROW =
      Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)", Pattern.MULTILINE);

  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  /** Instances and bytes of the server's own classes alive now. */
  private record Own(long instances, long bytes) {}

  @Test
  void aSettledStreamKeepsFewObjectsOfTheServersOwnClasses() throws Exception {
    server = TestServer.start();
    for (int i = 0; i < CLUSTERS.length; i++) {
      server.register(CLUSTERS[i], "e" + i, 8080 + i);
    }
    for (String c : CLUSTERS) {
      server.awaitPublished(c);
    }
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < CHANNELS; i++) {
      channels.add(server.channel());
    }
    // One stream first, so one-off state (classes, caches) is not counted per stream.
    open(channels.get(0));
    awaitAcks(1);
    Own before = own();

    List<XdsStream> streams = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      streams.add(open(channels.get(i % CHANNELS)));
    }
    awaitAcks(STREAMS + 1);
    Own after = own();

    double instances = (after.instances() - before.instances()) / (double) STREAMS;
    double bytes = (after.bytes() - before.bytes()) / (double) STREAMS;
    // Measured: 13 instances, 512 bytes: the binding's call and its 4 handlers (the request, end,
    // error and exception handlers of Vert.x), the stream, its state of the type, subscription and
    // names, the clusters the client holds, the watch, the debug page's record and its type info.
    assertThat(instances).as("own instances per stream").isLessThanOrEqualTo(13.5);
    assertThat(bytes).as("bytes of own instances per stream").isLessThanOrEqualTo(528);
    assertThat(streams).hasSize(STREAMS); // kept open until measured
  }

  private static XdsStream open(ManagedChannel channel) {
    XdsStream s =
        new XdsStream(AggregatedDiscoveryServiceGrpc.newStub(channel)::streamAggregatedResources);
    DiscoveryResponse r = s.subscribe(EDS, CLUSTERS);
    assertThat(r.getResourcesCount()).isEqualTo(CLUSTERS.length);
    s.ack(r, CLUSTERS);
    return s;
  }

  private void awaitAcks(long n) {
    TestServer.await(
        () -> server.xdsCounters().snapshot().of(EDS).acks() >= n, n + " ACKs handled");
  }

  /** The live instances of main (not test) classes of io.loadeds, after a full GC. */
  private static Own own() throws Exception {
    String histogram =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
    long instances = 0;
    long bytes = 0;
    Matcher m = ROW.matcher(histogram);
    while (m.find()) {
      if (isMainClass(m.group(3))) {
        instances += Long.parseLong(m.group(1));
        bytes += Long.parseLong(m.group(2));
      }
    }
    return new Own(instances, bytes);
  }

  /** Whether {@code name} (as the histogram prints it) is, or is an array of, a main class. */
  private static boolean isMainClass(String name) {
    String element = name.replaceFirst("^\\[+L", "").replaceFirst(";$", "");
    if (!element.startsWith("io.loadeds.")) {
      return false;
    }
    int lambda = element.indexOf("$$Lambda");
    String host = lambda < 0 ? element : element.substring(0, lambda);
    URL source;
    try {
      source =
          Class.forName(host, false, StreamFootprintTest.class.getClassLoader())
              .getProtectionDomain()
              .getCodeSource()
              .getLocation();
    } catch (ClassNotFoundException e) {
      return false;
    }
    return !source.getPath().contains("test-classes");
  }
}
