package io.loadeds.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.BuildVersion;
import io.envoyproxy.envoy.config.core.v3.Extension;
import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * Nodes as the harness's simulated Envoys (and the benchmarks and tests of request decoding) send
 * them. A real Envoy's node carries its build version and metadata, its client features and one
 * {@code extensions} entry, with the type URLs of its config, for each of the few hundred
 * extensions compiled in; and Envoy sends it with every request unless {@code
 * set_node_on_first_message_only} is set. Stateless.
 */
public final class EnvoyNode {
  private EnvoyNode() {}

  /**
   * A node with {@code id}; with {@code extensions > 0}, shaped like a real Envoy's with that many
   * extensions (300 come to about 36 KB), else just the id and cluster.
   */
  public static Node of(String id, int extensions) {
    Node.Builder node = Node.newBuilder().setId(id).setCluster("bench");
    if (extensions == 0) {
      return node.build();
    }
    node.setUserAgentName("envoy")
        .setUserAgentBuildVersion(
            BuildVersion.newBuilder()
                .setMetadata(
                    Struct.newBuilder()
                        .putFields("build.type", text("RELEASE"))
                        .putFields(
                            "revision.sha", text("0123456789abcdef0123456789abcdef01234567"))))
        .addClientFeatures("envoy.lb.does_not_support_overprovisioning")
        .addClientFeatures("envoy.lrs.supports_send_all_clusters");
    for (int i = 0; i < extensions; i++) {
      node.addExtensions(
          Extension.newBuilder()
              .setName("envoy.filters.http.extension_" + i)
              .setCategory("envoy.filters.http")
              .addTypeUrls("envoy.extensions.filters.http.extension_" + i + ".v3.ExtensionConfig"));
    }
    return node.build();
  }

  private static Value text(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }
}
