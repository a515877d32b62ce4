package io.loadeds.extproc.example;

import io.loadeds.extproc.ImmediateReply;
import io.loadeds.extproc.Phase;
import io.loadeds.extproc.PhaseContext;
import io.loadeds.extproc.Processor;
import java.util.EnumSet;
import java.util.Set;

/** The README's example processor (kept verbatim there; ReadmeExtProcTest checks it). */
public final class ApiKeyProcessor implements Processor {
  @Override
  public void onRequestHeaders(PhaseContext phase) {
    if (phase.headers().get("x-api-key").isEmpty()) {
      phase.respond(ImmediateReply.status(401).withBody("x-api-key is missing"));
      return;
    }
    phase.removeHeader("x-api-key"); // the backends never see it
  }

  @Override
  public void onResponseHeaders(PhaseContext phase) {
    long ms = phase.exchange().elapsed().toMillis();
    phase.setHeader("x-edge-time-ms", Long.toString(ms));
  }

  @Override
  public Set<Phase> phases() {
    return EnumSet.of(Phase.REQUEST_HEADERS, Phase.RESPONSE_HEADERS);
  }
}
