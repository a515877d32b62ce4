package io.loadeds.extproc;

import io.loadeds.extproc.builtin.LoadSheddingProcessor;
import io.loadeds.extproc.builtin.RequestIdProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Every processor the server can run, by name: the built-in ones and those of {@link
 * ProcessorFactory} implementations on the class path. Stateless.
 */
public final class ProcessorCatalog {
  private ProcessorCatalog() {}

  /** The factories by name: built-in first; a class-path factory may not reuse a taken name. */
  public static Map<String, ProcessorFactory> factories() {
    Map<String, ProcessorFactory> out = new TreeMap<>();
    for (ProcessorFactory f : List.of(LoadSheddingProcessor.FACTORY, RequestIdProcessor.FACTORY)) {
      out.put(f.name(), f);
    }
    for (ProcessorFactory f : ServiceLoader.load(ProcessorFactory.class)) {
      ProcessorFactory taken = out.putIfAbsent(f.name(), f);
      if (taken != null && taken != f) {
        throw new IllegalArgumentException(
            "two ext_proc processors are named '"
                + f.name()
                + "': "
                + taken.getClass().getName()
                + " and "
                + f.getClass().getName());
      }
    }
    return out;
  }

  /**
   * The chain {@code extProc.processors} names, each created once.
   *
   * @throws IllegalArgumentException naming a processor that does not exist, and those that do
   */
  public static ProcessorChain chain(ProcessorEnvironment env) {
    Map<String, ProcessorFactory> known = factories();
    List<ProcessorChain.Named> chain = new ArrayList<>();
    for (String name : env.config().processors()) {
      ProcessorFactory f = known.get(name);
      if (f == null) {
        throw new IllegalArgumentException(
            "extProc.processors: no processor named '"
                + name
                + "' (known: "
                + String.join(", ", known.keySet())
                + ")");
      }
      chain.add(new ProcessorChain.Named(name, f.create(env)));
    }
    return new ProcessorChain(chain, env.clock());
  }
}
