package io.loadeds.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.testing.Heap;
import org.junit.jupiter.api.Test;

/**
 * Reading a {@code jcmd GC.class_histogram}: the heap figures are differences of its total row, and
 * the transport's share of a stream's heap subtracts what the server's own classes hold, so a
 * misread histogram would shift them all. And reading the JIT's time, which decides how long a
 * warm-up lasts.
 */
class ServerProcessTest {
  private static final String HISTOGRAM =
      """
      23649:
       num     #instances         #bytes  class name (module)
      -------------------------------------------------------
         1:         26102        9657360  [Ljava.lang.Object; (java.base@17.0.15)
        51:          1000          64000  io.loadeds.xds.sotw.SotwStream
        62:          1000          48000  io.loadeds.admin.GrpcHealth$Watcher
        64:          1000          24000  io.loadeds.xds.GrpcBinding$$Lambda$507/0x00007efbec40e238
        66:           500          12000  [Lio.loadeds.xds.sotw.SotwStream$TypeState; (java.base@17.0.15)
        69:          2000          48000  io.vertx.grpc.common.impl.GrpcReadStreamBase$$Lambda$488/0x1
        70:            10            240  io.grpc.protobuf.services.HealthServiceImpl$1
      2523:             1             16  xds.annotations.v3.Status$MessageStatusAnnotation$1
      Total        429278       32443760
      """;

  @Test
  void sumsTheBytesOfTheClassesWithThePrefixLambdasAndArraysIncluded() {
    assertThat(ServerProcess.bytesOfClasses(HISTOGRAM, "io.loadeds.")).isEqualTo(148_000);
    assertThat(ServerProcess.bytesOfClasses(HISTOGRAM, "io.loadeds.xds.", "io.grpc.protobuf."))
        .isEqualTo(100_240);
    assertThat(ServerProcess.bytesOfClasses(HISTOGRAM, "io.loadeds.admin.")).isEqualTo(48_000);
    assertThat(ServerProcess.bytesOfClasses(HISTOGRAM, ServerProcess.Kind.THEIRS.ownClasses))
        .isEqualTo(240);
  }

  @Test
  void readsTheJitTimeInSecondsFromThePerfCounters() {
    String counters =
        """
        java.ci.totalTime=1500000000
        sun.ci.totalCompiles=894
        sun.os.hrt.frequency=1000000000
        """;
    assertThat(ServerProcess.jitSeconds(counters)).isEqualTo(1.5);
    assertThat(ServerProcess.jitSeconds("1234:\nCould not attach\n")).isNaN();
  }

  @Test
  void readsTheLiveHeapFromTheTotalRow() {
    assertThat(Heap.liveBytes(HISTOGRAM)).isEqualTo(32_443_760);
  }

  @Test
  void readsNothingFromTextThatIsNoHistogram() {
    assertThat(ServerProcess.bytesOfClasses("23649:\nCould not attach\n", "io.loadeds.")).isZero();
    assertThat(Heap.liveBytes("23649:\nCould not attach\n")).isEqualTo(-1);
  }
}
