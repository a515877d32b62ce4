package io.loadeds.xds;

import io.loadeds.logging.ClientText;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logs REST polls and gRPC streams refused by {@code auth.allowedNodeIds} at WARNING, once per node
 * id: a refused poller repeats every second or so, a refused stream reconnects with backoff for
 * ever, and one line per attempt would bury everything else. The line says who (node id, remote
 * address) and why; the node id is escaped and cut ({@link ClientText}).
 *
 * <p>Memory is bounded: after {@link #REMEMBERED} distinct node ids the record starts afresh (and
 * says so), so a client inventing node ids cannot grow it; such a client gets a line per id anyway.
 * Thread-safe (a concurrent set); called on any event loop.
 */
final class RefusedNodeLog {
  static final int REMEMBERED = 1024;
  private static final System.Logger LOG = System.getLogger(XdsServices.class.getName());

  // Escaped and cut node ids, so each entry is small whatever the client sent.
  private final Set<String> logged = ConcurrentHashMap.newKeySet();

  /** Records a refused poll; logs it unless this node id was logged before. */
  void refused(String nodeId, String what, String remote) {
    String node = ClientText.printable(nodeId);
    if (logged.size() >= REMEMBERED) {
      logged.clear();
      LOG.log(
          System.Logger.Level.WARNING,
          "more than {0} distinct node ids refused; refusals of known ones are logged again",
          REMEMBERED);
    }
    if (logged.add(node)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "refused {0} from {1}: node id ''{2}'' is not allowed (auth.allowedNodeIds);"
              + " later refusals of this node id are not logged",
          what,
          remote,
          node);
    }
  }
}
