package io.loadeds;

import io.loadeds.admin.AsyncLogHandler;
import io.loadeds.admin.JsonLogFormatter;
import io.loadeds.cluster.Clustering;
import io.loadeds.config.ConfigException;
import io.loadeds.config.ConfigKey;
import io.loadeds.config.ConfigLoader;
import io.loadeds.config.ServerConfig;
import io.loadeds.transport.LoadEdsServer;
import io.loadeds.transport.NetworkTransports;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Starts the server: reads the configuration (defaults, file, environment, flags), starts it
 * through the same {@link LoadEdsServer#start} the tests use, and stops it on SIGTERM. Exits with
 * status 2 and one line on stderr for a bad configuration (a bad flag or value, or a config or
 * tokens file that is missing, unreadable or malformed: a {@link ConfigException}), 1 when the
 * server cannot start otherwise (e.g. the port is taken).
 */
public final class Main {
  // Records waiting for the console; a burst beyond this is dropped and counted, not buffered.
  private static final int LOG_QUEUE_CAPACITY = 16_384;

  /** Exit status for a configuration the server cannot run with. */
  static final int EXIT_CONFIG = 2;

  /** Exit status when the server cannot start for another reason. */
  static final int EXIT_START = 1;

  /**
   * How a failed start ends the process.
   *
   * @param status the exit status
   * @param message the one line printed on stderr
   */
  record Failure(int status, String message) {}

  private Main() {}

  public static void main(String[] args) {
    // Before anything logs: the JDK reads it once, when logging is first used.
    System.setProperty("java.util.logging.manager", ShutdownLogManager.class.getName());
    System.setProperty(
        "java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$-7s %3$s - %5$s%6$s%n");
    CommandLine cli = new CommandLine(spec());
    ServerConfig config;
    try {
      ParseResult parsed = cli.parseArgs(args);
      if (CommandLine.printHelpIfRequested(parsed)) {
        return;
      }
      config = load(parsed);
    } catch (CommandLine.ParameterException | ConfigException e) {
      exit(invalid(e.getMessage()));
      return;
    }
    useLogFormat(config.log().format());
    logAsynchronously();
    Vertx vertx;
    try {
      // Only a clustered replica touches io.loadeds.cluster, and with it Hazelcast.
      vertx =
          config.cluster().enabled()
              ? Clustering.vertx(
                  config.cluster(),
                  LoadEdsServer.vertxOptions(config),
                  NetworkTransports.select(config.http().transport()))
              : LoadEdsServer.vertx(config);
    } catch (Exception e) {
      exit(startFailure(e, config));
      return;
    }
    LoadEdsServer server;
    try {
      server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      exit(startFailure(e, config));
      return;
    }
    ShutdownLogManager.holdResetForShutdownHook();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    // The server bounds its own shutdown by http.shutdownGrace; the margin is for
                    // closing Vert.x itself.
                    long bound = config.http().shutdownGrace().toMillis() + 5_000;
                    server.close().compose(v -> vertx.close()).await(bound, TimeUnit.MILLISECONDS);
                    System.getLogger(Main.class.getName())
                        .log(System.Logger.Level.INFO, "LoadEDS stopped");
                  } catch (Exception e) {
                    System.err.println("loadeds: unclean shutdown: " + e);
                  } finally {
                    ShutdownLogManager.resetAfterShutdown();
                  }
                },
                "loadeds-shutdown"));
  }

  private static void exit(Failure failure) {
    System.err.println(failure.message());
    System.exit(failure.status());
  }

  private static Failure invalid(String why) {
    return new Failure(EXIT_CONFIG, oneLine("loadeds: invalid configuration: " + why));
  }

  /**
   * Why {@link LoadEdsServer#start} failed, as the process ends: status 2 for a configuration it
   * could not use (the tokens file and the allow-list are read only at start), else 1 naming the
   * address it could not serve.
   */
  static Failure startFailure(Throwable e, ServerConfig config) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConfigException bad) {
        return invalid(bad.getMessage());
      }
    }
    String why = e.getMessage() == null ? e.toString() : e.getMessage();
    return new Failure(
        EXIT_START,
        oneLine(
            "loadeds: cannot start on "
                + config.http().host()
                + ":"
                + config.http().port()
                + ": "
                + why));
  }

  private static String oneLine(String message) {
    return message.replaceAll("\\R+", " ");
  }

  /** {@code json}: every handler of the root logger writes one JSON object per line. */
  static void useLogFormat(String format) {
    if (format.equals("json")) {
      for (Handler handler : Logger.getLogger("").getHandlers()) {
        handler.setFormatter(new JsonLogFormatter());
      }
    }
  }

  /**
   * Every handler of the root logger writes from a thread of its own ({@link AsyncLogHandler}):
   * registry events are logged on event loops, which must not wait for a slow console.
   */
  static void logAsynchronously() {
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      if (!(handler instanceof AsyncLogHandler)) {
        root.removeHandler(handler);
        root.addHandler(new AsyncLogHandler(handler, LOG_QUEUE_CAPACITY));
      }
    }
  }

  private static ServerConfig load(ParseResult parsed) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (ConfigKey key : ConfigKey.ALL) {
      if (parsed.hasMatchedOption(key.flag())) {
        flags.put(key.path(), parsed.matchedOptionValue(key.flag(), ""));
      }
    }
    String file = parsed.matchedOptionValue("--config", System.getenv(ConfigLoader.CONFIG_ENV));
    Path path;
    try {
      path = file == null ? null : Path.of(file);
    } catch (InvalidPathException e) {
      throw new ConfigException("config file '" + file + "' is not a valid path", e);
    }
    return ConfigLoader.load(path, System.getenv(), flags);
  }

  /** The command line, generated from {@link ConfigKey#ALL} so flags, env and file never drift. */
  static CommandSpec spec() {
    ServerConfig defaults = ServerConfig.defaults();
    String version = Main.class.getPackage().getImplementationVersion();
    CommandSpec spec =
        CommandSpec.create()
            .name("loadeds-server")
            .version("loadeds-server " + (version == null ? "(development build)" : version))
            .mixinStandardHelpOptions(true);
    spec.usageMessage().width(110);
    spec.usageMessage()
        .description(
            "A reactive, load-aware Envoy control plane: REST registration and xDS on one port.",
            "Settings come from defaults < --config file < LOADEDS_* environment < flags.");
    spec.addOption(
        OptionSpec.builder("--config")
            .paramLabel("FILE")
            .type(String.class)
            .description("YAML or JSON config file (env " + ConfigLoader.CONFIG_ENV + ")")
            .build());
    for (ConfigKey key : ConfigKey.ALL) {
      spec.addOption(
          OptionSpec.builder(key.flag())
              .paramLabel("VALUE")
              .type(String.class)
              .description(
                  key.help(),
                  "  default " + key.get().apply(defaults),
                  "  file key " + key.path() + ", env " + key.env())
              .build());
    }
    return spec;
  }

  /** Prints the usage text (used by the README test to keep the documented flags true). */
  static String usage() {
    java.io.StringWriter out = new java.io.StringWriter();
    new CommandLine(spec()).usage(new PrintWriter(out));
    return out.toString();
  }
}
