package io.loadeds.extproc.builtin;

import io.loadeds.extproc.Phase;
import io.loadeds.extproc.PhaseContext;
import io.loadeds.extproc.Processor;
import io.loadeds.extproc.ProcessorEnvironment;
import io.loadeds.extproc.ProcessorFactory;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/**
 * {@code request-id}: gives every request an {@code x-request-id} (a random UUID unless it has one)
 * and returns it to the client on the response. Stateless and thread-safe.
 */
public final class RequestIdProcessor implements Processor {
  public static final String HEADER = "x-request-id";

  /** Registers it as {@code request-id}. */
  public static final ProcessorFactory FACTORY =
      new ProcessorFactory() {
        @Override
        public String name() {
          return "request-id";
        }

        @Override
        public Processor create(ProcessorEnvironment environment) {
          return new RequestIdProcessor();
        }
      };

  @Override
  public void onRequestHeaders(PhaseContext phase) {
    String id = phase.headers().get(HEADER).orElseGet(() -> UUID.randomUUID().toString());
    phase.exchange().put(HEADER, id);
    phase.setHeader(HEADER, id);
  }

  @Override
  public void onResponseHeaders(PhaseContext phase) {
    phase.exchange().get(HEADER, String.class).ifPresent(id -> phase.setHeader(HEADER, id));
  }

  @Override
  public Set<Phase> phases() {
    return EnumSet.of(Phase.REQUEST_HEADERS, Phase.RESPONSE_HEADERS);
  }
}
