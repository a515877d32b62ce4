package io.loadeds.extproc;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Processors for the tests of the served service, found by the server through {@code
 * META-INF/services} of the test class path (which is how third-party processors are found too).
 */
public final class TestProcessors {
  /** The {@code x-test-id} gRPC metadata of every exchange that has ended, on any thread. */
  static final Set<String> ENDED = ConcurrentHashMap.newKeySet();

  private TestProcessors() {}

  /** {@code every-phase}: marks each phase in a header, upper-cases bodies, records the end. */
  public static final class EveryPhase implements ProcessorFactory {
    @Override
    public String name() {
      return "every-phase";
    }

    @Override
    public Processor create(ProcessorEnvironment environment) {
      return new Processor() {
        private void mark(PhaseContext p) {
          p.setHeader("x-phase", p.phase().wireName());
        }

        @Override
        public void onRequestHeaders(PhaseContext p) {
          mark(p);
        }

        @Override
        public void onRequestBody(PhaseContext p) {
          mark(p);
          p.replaceBody(p.bodyText().toUpperCase());
        }

        @Override
        public void onRequestTrailers(PhaseContext p) {
          mark(p);
        }

        @Override
        public void onResponseHeaders(PhaseContext p) {
          mark(p);
        }

        @Override
        public void onResponseBody(PhaseContext p) {
          mark(p);
          p.replaceBody(p.bodyText().toUpperCase());
        }

        @Override
        public void onResponseTrailers(PhaseContext p) {
          mark(p);
        }

        @Override
        public void onExchangeEnd(Exchange x) {
          x.grpcMetadata().get("x-test-id").ifPresent(ENDED::add);
        }
      };
    }
  }

  /** {@code throws-on-body}: fails every request body. */
  public static final class ThrowsOnBody implements ProcessorFactory {
    @Override
    public String name() {
      return "throws-on-body";
    }

    @Override
    public Processor create(ProcessorEnvironment environment) {
      return new Processor() {
        @Override
        public void onRequestBody(PhaseContext p) {
          throw new IllegalArgumentException("cannot read " + p.body().size() + " bytes");
        }
      };
    }
  }
}
