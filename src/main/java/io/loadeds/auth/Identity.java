package io.loadeds.auth;

/**
 * Who a request is, as far as the registration API can tell: the holder of the global token, of one
 * cluster's token, or nobody ({@link #NONE}). Safe to log: it never holds the secret.
 *
 * @param cluster the cluster a per-cluster token grants, or null for the global token and NONE
 * @param authenticated whether a valid token was presented
 */
public record Identity(String cluster, boolean authenticated) {
  public static final Identity NONE = new Identity(null, false);
  public static final Identity GLOBAL = new Identity(null, true);

  public static Identity forCluster(String cluster) {
    return new Identity(cluster, true);
  }

  /** Whether this identity may change {@code target}'s endpoints. */
  public boolean grants(String target) {
    return authenticated && (cluster == null || cluster.equals(target));
  }

  /** {@code global}, {@code cluster:<name>} or {@code none}, for logs. */
  @Override
  public String toString() {
    return !authenticated ? "none" : cluster == null ? "global" : "cluster:" + cluster;
  }
}
