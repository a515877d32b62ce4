package io.loadeds.extproc;

/**
 * Makes a processor available to the server by name: {@code extProc.processors} names it. Besides
 * the built-in ones, factories are found with {@link java.util.ServiceLoader}: a jar on the class
 * path that lists its factory in {@code META-INF/services/io.loadeds.extproc.ProcessorFactory}.
 * Implementations need a public no-argument constructor; {@link #create} is called once, at start.
 */
public interface ProcessorFactory {
  /** The name {@code extProc.processors} uses: {@code [a-z0-9][a-z0-9._-]*}, at most 64. */
  String name();

  /** The processor, shared by every exchange (see {@link Processor} for its threading). */
  Processor create(ProcessorEnvironment environment);
}
