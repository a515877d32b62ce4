package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.loadeds.snapshot.ResourceType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Versions never repeat for different content, also across a restart: a restarted server derives
 * the same version from the same registry content, and another one from other content.
 */
class VersionTest {
  private final List<TestServer> servers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (TestServer s : servers) {
      s.close();
    }
  }

  private String versionOf(ResourceType type, String... names) {
    TestServer server = servers.get(servers.size() - 1);
    XdsStream s =
        new XdsStream(
            AggregatedDiscoveryServiceGrpc.newStub(server.channel())::streamAggregatedResources);
    return s.subscribe(type, names).getVersionInfo();
  }

  private TestServer serverWith(int... ports) {
    TestServer server = TestServer.start();
    servers.add(server);
    for (int port : ports) {
      server.register("svc", "e" + port, port);
    }
    server.awaitEndpoints("svc", ports.length);
    return server;
  }

  @Test
  void theSameContentOnAFreshServerHasTheSameVersion() {
    serverWith(8080, 8081);
    String eds = versionOf(ResourceType.ENDPOINT, "svc");
    String cds = versionOf(ResourceType.CLUSTER);

    serverWith(8081, 8080);

    assertThat(versionOf(ResourceType.ENDPOINT, "svc")).isEqualTo(eds);
    assertThat(versionOf(ResourceType.CLUSTER)).isEqualTo(cds);
  }

  @Test
  void differentContentOnAFreshServerHasAnotherVersion() {
    serverWith(8080, 8081);
    String eds = versionOf(ResourceType.ENDPOINT, "svc");

    serverWith(8080);

    assertThat(versionOf(ResourceType.ENDPOINT, "svc")).isNotEqualTo(eds);
  }

  @Test
  void differentSubscriptionsOfTheSameTypeHaveDifferentVersions() {
    serverWith(8080);

    assertThat(versionOf(ResourceType.ENDPOINT, "svc"))
        .isNotEqualTo(versionOf(ResourceType.ENDPOINT, "other"))
        .isNotEqualTo(versionOf(ResourceType.ENDPOINT));
  }
}
