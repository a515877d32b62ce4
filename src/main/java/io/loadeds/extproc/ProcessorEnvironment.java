package io.loadeds.extproc;

import io.loadeds.config.ExtProcConfig;
import java.time.Clock;

/**
 * What the server offers a processor when it creates it. Immutable.
 *
 * @param clusters read access to the registry's clusters
 * @param config the {@code extProc.*} settings
 * @param clock the server's clock
 */
public record ProcessorEnvironment(ClusterLoad clusters, ExtProcConfig config, Clock clock) {}
