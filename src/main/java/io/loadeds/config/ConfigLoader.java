package io.loadeds.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the {@link ServerConfig} from, in rising precedence: the defaults, a YAML or JSON file,
 * {@code LOADEDS_*} environment variables, and command-line flags. Every source speaks the keys of
 * {@link ConfigKey#ALL}; an unknown file key or a bad value fails with a {@link ConfigException}
 * that names it. Stateless.
 */
public final class ConfigLoader {
  /** The environment variable that names a config file when {@code --config} is not given. */
  public static final String CONFIG_ENV = "LOADEDS_CONFIG";

  private ConfigLoader() {}

  /**
   * Loads and validates the configuration.
   *
   * @param file config file, or {@code null}
   * @param env the environment (only {@code LOADEDS_*} variables are read)
   * @param flags values given on the command line, by config path
   * @throws ConfigException naming the bad key, value or file
   */
  public static ServerConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
    ServerConfig config = ServerConfig.defaults();
    if (file != null) {
      config = apply(config, readFile(file), "file " + file);
    }
    Map<String, String> fromEnv = new LinkedHashMap<>();
    for (ConfigKey key : ConfigKey.ALL) {
      String v = env.get(key.env());
      if (v != null && !v.isBlank()) {
        fromEnv.put(key.path(), v);
      }
    }
    config = apply(config, fromEnv, "environment");
    config = apply(config, flags, "command line");
    try {
      return config.validate();
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  /**
   * Reads a YAML or JSON file (JSON is YAML) into config paths and text values.
   *
   * @throws ConfigException naming the file and why it cannot be used, without quoting it (it may
   *     hold {@code auth.token})
   */
  public static Map<String, String> readFile(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
    } catch (IOException e) {
      throw ConfigException.unreadable("config file", file, e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root != null && !root.isMissingNode() && !root.isNull()) {
      if (!root.isObject()) {
        throw new ConfigException("config file " + file + ": must hold a mapping");
      }
      flatten("", root, out);
    }
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      boolean isKey = ConfigKey.ALL.stream().anyMatch(k -> k.path().equals(path));
      if (isKey && (e.getValue().isObject() || e.getValue().isArray())) {
        out.put(path, listText(e.getValue())); // a map or list setting, in its text form
      } else if (e.getValue().isObject()) {
        flatten(path, e.getValue(), out);
      } else {
        out.put(path, e.getValue().asText());
      }
    }
  }

  /** {@code [a, b]} → {@code a,b}; {@code {k: [a, b], j: c}} → {@code k=a,b;j=c}. */
  private static String listText(JsonNode node) {
    StringBuilder out = new StringBuilder();
    if (node.isArray()) {
      for (JsonNode item : node) {
        out.append(out.length() == 0 ? "" : ",").append(item.asText());
      }
      return out.toString();
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.append(out.length() == 0 ? "" : ";").append(e.getKey()).append('=');
      out.append(e.getValue().isArray() ? listText(e.getValue()) : e.getValue().asText());
    }
    return out.toString();
  }

  private static ServerConfig apply(ServerConfig config, Map<String, String> values, String from) {
    for (Map.Entry<String, String> e : values.entrySet()) {
      ConfigKey key =
          ConfigKey.ALL.stream()
              .filter(k -> k.path().equals(e.getKey()))
              .findFirst()
              .orElseThrow(
                  () -> new ConfigException("unknown config key '" + e.getKey() + "' in " + from));
      try {
        config = key.set().apply(config, e.getValue());
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(key.path() + " (" + from + "): " + ex.getMessage(), ex);
      }
    }
    return config;
  }
}
