package io.loadeds.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import io.loadeds.config.ClusterConfig;

/**
 * The Hazelcast configuration of a replica, built from {@link ClusterConfig} alone (no XML on the
 * class path is read): TCP/IP join over the static member list, optional multicast, one concrete
 * port, and the maps Vert.x's cluster manager expects.
 */
final class HazelcastSetup {
  /** The map of endpoint records, keyed by {@code cluster/id}. */
  static final String ENDPOINTS_MAP = "loadeds.endpoints";

  /**
   * Small facts about the cluster itself, such as when its warm-up ends ({@link ClusterWarmUp}).
   */
  static final String STATE_MAP = "loadeds.cluster";

  private HazelcastSetup() {}

  static Config config(ClusterConfig cluster) {
    Config config = new Config();
    config.setClusterName("loadeds");
    // Defaults a user can still override with -Dhazelcast.*=... (system properties win over these
    // only when they are not set here, so set just what must differ from Hazelcast's defaults).
    setDefault(config, "hazelcast.phone.home.enabled", "false");
    setDefault(config, "hazelcast.logging.type", "jdk");
    // A replica that dies without leaving is dropped after this long without heartbeats (default
    // 60 s); its streams' clients have reconnected elsewhere long before.
    setDefault(config, "hazelcast.max.no.heartbeat.seconds", "15");
    setDefault(config, "hazelcast.heartbeat.interval.seconds", "1");
    // Joining waits this long for others before forming a cluster alone (default 5 s).
    setDefault(config, "hazelcast.wait.seconds.before.join", "1");
    // Leave quickly on SIGTERM: the backups already hold every record.
    setDefault(config, "hazelcast.shutdownhook.enabled", "false");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface(cluster.host());
    // Bind the named interface only, not every interface of the host.
    config.setProperty("hazelcast.socket.bind.any", "false");
    JoinConfig join = network.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(cluster.multicast());
    join.getTcpIpConfig().setEnabled(true);
    join.getTcpIpConfig().addMember(cluster.host() + ":" + cluster.port());
    for (String m : cluster.members()) {
      ClusterConfig.HostPort hp = ClusterConfig.member(m);
      join.getTcpIpConfig().addMember(hp.host() + ":" + hp.port());
    }

    // One synchronous backup: a write is acknowledged once two members hold it, so losing any one
    // member loses no registration.
    MapConfig endpoints = new MapConfig(ENDPOINTS_MAP).setBackupCount(1).setAsyncBackupCount(0);
    // After a split brain heals, each endpoint keeps the record written last on either side (a
    // backend heartbeating on one side only wins there), in the order replicas apply records.
    endpoints.getMergePolicyConfig().setPolicy(LatestSequenceMergePolicy.class.getName());
    config.addMapConfig(endpoints);
    config.addMapConfig(new MapConfig(STATE_MAP).setBackupCount(1));
    // What Vert.x's cluster manager uses (as its default-cluster.xml declares them).
    config.addMultiMapConfig(
        new MultiMapConfig("__vertx.subs")
            .setBackupCount(1)
            .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    config.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    config.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    return config;
  }

  private static void setDefault(Config config, String name, String value) {
    if (System.getProperty(name) == null) {
      config.setProperty(name, value);
    }
  }
}
