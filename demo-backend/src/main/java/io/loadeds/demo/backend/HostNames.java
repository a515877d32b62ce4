package io.loadeds.demo.backend;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This machine's name, for default endpoint ids. May block on a lookup: call it off event loops.
 */
final class HostNames {

  private HostNames() {}

  static String local() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "backend";
    }
  }
}
