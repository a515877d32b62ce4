package io.loadeds.registry;

/**
 * What xDS clients report about one address of a cluster over LRS, as the registry takes it: the
 * requests in progress to it (a gauge, already summed over the reporting clients). Immutable.
 *
 * @param address the endpoint's IP literal
 * @param port its port
 * @param inProgress requests the clients have in progress to it now (>= 0)
 */
public record ObservedLoad(String address, int port, int inProgress) {
  public ObservedLoad {
    if (inProgress < 0) {
      throw new IllegalArgumentException("inProgress must be >= 0");
    }
  }
}
