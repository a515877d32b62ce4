package io.loadeds.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.JsonFormat.TypeRegistry;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Envoy bootstrap file, parsed strictly into the v3 {@link Bootstrap} (unknown fields and
 * unresolvable {@code @type}s fail), with the lookups the deployment tests make. Immutable.
 *
 * @param file where it was read from (for messages)
 * @param text the file as written, comments included
 * @param yaml the file as a tree
 * @param bootstrap the parsed message
 */
record EnvoyBootstrap(Path file, String text, JsonNode yaml, Bootstrap bootstrap) {
  static final String HCM = "envoy.filters.network.http_connection_manager";

  static EnvoyBootstrap read(Path file, TypeRegistry registry) {
    try {
      return parse(file, Files.readString(file), registry);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses {@code text} as if it were the content of {@code file}. */
  static EnvoyBootstrap parse(Path file, String text, TypeRegistry registry) {
    try {
      JsonNode yaml = DeployFiles.YAML.readTree(text);
      if (yaml == null || !yaml.isObject()) {
        throw new IllegalStateException(file + " is not a YAML mapping");
      }
      Bootstrap.Builder builder = Bootstrap.newBuilder();
      JsonFormat.parser()
          .usingTypeRegistry(registry)
          .merge(DeployFiles.JSON.writeValueAsString(yaml), builder);
      return new EnvoyBootstrap(file, text, yaml, builder.build());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(file + " is not a v3 Bootstrap: " + e.getMessage(), e);
    } catch (JsonProcessingException e) {
      throw new AssertionError(file + " is not YAML: " + e.getMessage(), e);
    }
  }

  /** The comment lines the file starts with, without their {@code #}. */
  String header() {
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n")) {
      if (!line.startsWith("#")) {
        break;
      }
      out.append(line.substring(1).strip()).append('\n');
    }
    return out.toString();
  }

  /** Every {@code @type} in the file, as written. */
  List<String> typeUrls() {
    List<String> out = new ArrayList<>();
    collectTypeUrls(yaml, out);
    return out;
  }

  Optional<Cluster> staticCluster(String name) {
    return bootstrap.getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst();
  }

  Cluster cluster(String name) {
    return staticCluster(name)
        .orElseThrow(() -> new AssertionError(file + " has no static cluster " + name));
  }

  List<String> staticClusterNames() {
    return bootstrap.getStaticResources().getClustersList().stream().map(Cluster::getName).toList();
  }

  List<Listener> listeners() {
    return bootstrap.getStaticResources().getListenersList();
  }

  Listener listener(int port) {
    return listeners().stream()
        .filter(l -> l.getAddress().getSocketAddress().getPortValue() == port)
        .findFirst()
        .orElseThrow(() -> new AssertionError(file + " has no listener on " + port));
  }

  /** The HttpConnectionManager of a listener's one filter chain. */
  HttpConnectionManager connectionManager(Listener listener) {
    if (listener.getFilterChainsCount() != 1) {
      throw new AssertionError(listener.getName() + " must have one filter chain");
    }
    Any config =
        listener.getFilterChains(0).getFiltersList().stream()
            .filter(f -> f.getName().equals(HCM))
            .findFirst()
            .orElseThrow(() -> new AssertionError(listener.getName() + " has no " + HCM))
            .getTypedConfig();
    try {
      return config.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(listener.getName() + ": " + e.getMessage(), e);
    }
  }

  List<Route> routes(Listener listener) {
    return connectionManager(listener).getRouteConfig().getVirtualHostsList().stream()
        .flatMap(v -> v.getRoutesList().stream())
        .toList();
  }

  List<String> routedClusters(Listener listener) {
    return routes(listener).stream().map(r -> r.getRoute().getCluster()).distinct().toList();
  }

  private static void collectTypeUrls(JsonNode node, List<String> out) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field :
          (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
        if (field.getKey().equals("@type")) {
          out.add(field.getValue().asText());
        } else {
          collectTypeUrls(field.getValue(), out);
        }
      }
    } else if (node.isArray()) {
      node.forEach(element -> collectTypeUrls(element, out));
    }
  }
}
