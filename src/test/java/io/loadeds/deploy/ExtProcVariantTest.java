package io.loadeds.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.loadeds.extproc.builtin.LoadSheddingProcessor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ext_proc variant ({@code src/main/envoy/envoy-ads-sotw-ext-proc.yaml}) calls LoadEDS the way
 * its processors need: the filter runs before the router, on LoadEDS's cluster, sends the request
 * headers (where load-shedding decides) and the response headers (where it reports spare capacity),
 * names the routed cluster, and lets traffic through when LoadEDS cannot be reached. What the other
 * variants share (strict parsing, mode, clusters) is checked by {@link EnvoyVariantsTest}.
 */
class ExtProcVariantTest {
  private static EnvoyBootstrap envoy;
  private static List<HttpFilter> filters;

  @BeforeAll
  static void read() {
    Path file = EnvoyVariantsTest.variantsDir().resolve("envoy-ads-sotw-ext-proc.yaml");
    envoy = EnvoyBootstrap.read(file, EnvoyTypes.registry());
    filters =
        envoy
            .connectionManager(envoy.listener(EnvoyVariantsTest.LISTENER_PORT))
            .getHttpFiltersList();
  }

  private static ExternalProcessor extProc() throws Exception {
    return filters.stream()
        .filter(f -> f.getName().equals("envoy.filters.http.ext_proc"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ext_proc filter on :10000"))
        .getTypedConfig()
        .unpack(ExternalProcessor.class);
  }

  @Test
  void theFilterRunsJustBeforeTheRouterAndCallsLoadEds() throws Exception {
    ExternalProcessor ext = extProc();

    assertThat(filters.get(filters.size() - 2).getName()).isEqualTo("envoy.filters.http.ext_proc");
    assertThat(ext.getGrpcService().getEnvoyGrpc().getClusterName())
        .isEqualTo(EnvoyVariantsTest.XDS_CLUSTER);
    assertThat(envoy.staticClusterNames()).contains(EnvoyVariantsTest.XDS_CLUSTER);
  }

  @Test
  void itSendsWhatLoadSheddingReadsAndNamesTheRoutedCluster() throws Exception {
    ExternalProcessor ext = extProc();

    assertThat(ext.getProcessingMode().getRequestHeaderMode())
        .isIn(HeaderSendMode.SEND, HeaderSendMode.DEFAULT);
    assertThat(ext.getProcessingMode().getResponseHeaderMode())
        .isIn(HeaderSendMode.SEND, HeaderSendMode.DEFAULT);
    assertThat(ext.getRequestAttributesList()).contains(LoadSheddingProcessor.CLUSTER_ATTRIBUTE);
  }

  @Test
  void trafficGoesOnWhenLoadEdsCannotAnswerAndWaitsLittleForIt() throws Exception {
    ExternalProcessor ext = extProc();

    assertThat(ext.getFailureModeAllow()).isTrue();
    assertThat(Durations.toMillis(ext.getMessageTimeout())).isBetween(1L, 1000L);
    assertThat(ext.getObservabilityMode()).as("load-shedding must be able to answer").isFalse();
  }
}
