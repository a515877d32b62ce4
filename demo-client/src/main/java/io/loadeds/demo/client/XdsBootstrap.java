package io.loadeds.demo.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.UUID;

/**
 * The xDS bootstrap of the proxyless mode, made in memory instead of read from a file.
 *
 * <p>grpc-java 1.85 looks for its bootstrap in this order: the file named by env {@code
 * GRPC_XDS_BOOTSTRAP}, the file named by system property {@code io.grpc.xds.bootstrap}, the JSON in
 * env {@code GRPC_XDS_BOOTSTRAP_CONFIG}, then the JSON in system property {@value
 * #CONFIG_PROPERTY}. We set the last one, so a bootstrap given by the environment wins; {@link
 * #install} says so.
 *
 * <p>Threading: {@link #install} must run before the first {@code xds:///} channel is built, since
 * grpc-java reads the bootstrap once per process.
 */
public final class XdsBootstrap {

  /** The system property grpc-java reads the bootstrap JSON from. */
  public static final String CONFIG_PROPERTY = "io.grpc.xds.bootstrapConfig";

  private XdsBootstrap() {}

  /**
   * The bootstrap JSON: one insecure xDS v3 server, and a node id unique to this process so the xDS
   * server can tell clients apart.
   */
  public static String json(String xdsServer) {
    JsonObject server = new JsonObject();
    server.addProperty("server_uri", xdsServer);
    JsonArray creds = new JsonArray();
    JsonObject insecure = new JsonObject();
    insecure.addProperty("type", "insecure");
    creds.add(insecure);
    server.add("channel_creds", creds);
    JsonArray features = new JsonArray();
    features.add("xds_v3");
    server.add("server_features", features);
    JsonArray servers = new JsonArray();
    servers.add(server);
    JsonObject node = new JsonObject();
    node.addProperty("id", "demo-client-" + UUID.randomUUID());
    node.addProperty("cluster", "demo-client");
    JsonObject root = new JsonObject();
    root.add("xds_servers", servers);
    root.add("node", node);
    return root.toString();
  }

  /**
   * Installs the bootstrap for {@code xdsServer}; returns a warning when the environment already
   * names a bootstrap that grpc-java will use instead, or null.
   */
  public static String install(String xdsServer) {
    System.setProperty(CONFIG_PROPERTY, json(xdsServer));
    for (String env : new String[] {"GRPC_XDS_BOOTSTRAP", "GRPC_XDS_BOOTSTRAP_CONFIG"}) {
      if (System.getenv(env) != null) {
        return env + " is set: grpc-java uses it, not --xds-server";
      }
    }
    if (System.getProperty("io.grpc.xds.bootstrap") != null) {
      return "io.grpc.xds.bootstrap is set: grpc-java uses it, not --xds-server";
    }
    return null;
  }
}
