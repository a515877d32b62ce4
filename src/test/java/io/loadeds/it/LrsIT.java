package io.loadeds.it;

import io.loadeds.e2e.LrsScenario;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged server started with {@code --source=lrs}: a grpc-java proxyless client (this JVM)
 * with a real xDS bootstrap sends calls to backends that never report their own load, and its LRS
 * reports alone take a backend out of EDS at its capacity and back when the calls end ({@link
 * LrsScenario}).
 */
class LrsIT {
  private JavaProcess server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  @Timeout(120)
  void clientReportedLoadGatesBackendsThatNeverReportThemselves() throws Exception {
    server =
        JavaProcess.start(
            "server",
            "loadeds.serverJar",
            "--host=127.0.0.1",
            "--port=0",
            "--warm-up=0",
            "--source=lrs",
            "--lrs-interval=250ms");
    int port = server.awaitLoopbackPort(30_000);
    try (LrsScenario scenario = new LrsScenario(port)) {
      scenario.run();
    }
  }
}
