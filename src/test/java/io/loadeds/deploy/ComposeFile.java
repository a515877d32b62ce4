package io.loadeds.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * docker-compose.yml as the tests read it, with the Compose specification's short and long forms of
 * a setting (lists or maps, strings or objects) brought to one shape. Immutable.
 */
final class ComposeFile {

  /** Where a service's image is built from, resolved against the compose file's directory. */
  record Build(Path context, Path dockerfile) {}

  /** One published port: {@code [hostIp:]published:target}. */
  record PortMapping(String hostIp, String published, int target) {}

  private final Path dir;
  private final JsonNode root;

  private ComposeFile(Path dir, JsonNode root) {
    this.dir = dir;
    this.root = root;
  }

  static ComposeFile read(Path file) {
    return new ComposeFile(file.toAbsolutePath().getParent(), DeployFiles.readYaml(file));
  }

  Set<String> serviceNames() {
    Set<String> names = new TreeSet<>();
    root.path("services").fieldNames().forEachRemaining(names::add);
    return names;
  }

  JsonNode service(String name) {
    JsonNode service = root.path("services").path(name);
    if (!service.isObject()) {
      throw new AssertionError("docker-compose.yml has no service " + name);
    }
    return service;
  }

  Optional<Build> build(String service) {
    JsonNode build = service(service).path("build");
    if (build.isMissingNode()) {
      return Optional.empty();
    }
    String context = build.isTextual() ? build.asText() : build.path("context").asText(".");
    String dockerfile = build.path("dockerfile").asText("Dockerfile");
    Path contextDir = dir.resolve(context).normalize();
    return Optional.of(new Build(contextDir, contextDir.resolve(dockerfile).normalize()));
  }

  /** The services whose image is built from this directory. */
  List<String> servicesBuiltFrom(Path context) {
    Path wanted = context.toAbsolutePath().normalize();
    return serviceNames().stream()
        .filter(s -> build(s).map(b -> b.context().equals(wanted)).orElse(false))
        .toList();
  }

  Map<String, String> environment(String service) {
    JsonNode env = service(service).path("environment");
    Map<String, String> out = new LinkedHashMap<>();
    if (env.isArray()) {
      for (JsonNode entry : env) {
        String[] kv = entry.asText().split("=", 2);
        out.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
    } else {
      env.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    }
    return out;
  }

  /** The command as an argument list (a string command is split at white space). */
  List<String> command(String service) {
    JsonNode command = service(service).path("command");
    if (command.isTextual()) {
      return List.of(command.asText().trim().split("\\s+"));
    }
    List<String> out = new ArrayList<>();
    command.forEach(a -> out.add(a.asText()));
    return out;
  }

  /** The value following {@code flag} in the service's command, as in {@code --id backend-1}. */
  Optional<String> commandFlag(String service, String flag) {
    List<String> command = command(service);
    for (int i = 0; i < command.size(); i++) {
      if (command.get(i).equals(flag) && i + 1 < command.size()) {
        return Optional.of(command.get(i + 1));
      }
      if (command.get(i).startsWith(flag + "=")) {
        return Optional.of(command.get(i).substring(flag.length() + 1));
      }
    }
    return Optional.empty();
  }

  List<PortMapping> ports(String service) {
    List<PortMapping> out = new ArrayList<>();
    for (JsonNode port : service(service).path("ports")) {
      out.add(port.isObject() ? longPort(port) : shortPort(port.asText()));
    }
    return out;
  }

  List<String> profiles(String service) {
    List<String> out = new ArrayList<>();
    service(service).path("profiles").forEach(p -> out.add(p.asText()));
    return out;
  }

  List<String> volumes(String service) {
    List<String> out = new ArrayList<>();
    for (JsonNode volume : service(service).path("volumes")) {
      out.add(
          volume.isObject()
              ? volume.path("source").asText() + ":" + volume.path("target").asText()
              : volume.asText());
    }
    return out;
  }

  /** The networks a service joins, each with its settings (empty for the list form). */
  Map<String, JsonNode> networks(String service) {
    JsonNode networks = service(service).path("networks");
    Map<String, JsonNode> out = new LinkedHashMap<>();
    if (networks.isArray()) {
      networks.forEach(n -> out.put(n.asText(), DeployFiles.JSON.createObjectNode()));
    } else {
      networks.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
    }
    return out;
  }

  JsonNode network(String name) {
    return root.path("networks").path(name);
  }

  private static PortMapping longPort(JsonNode port) {
    return new PortMapping(
        port.path("host_ip").asText(""),
        port.path("published").asText(""),
        port.path("target").asInt());
  }

  private static PortMapping shortPort(String spec) {
    String s = spec.replaceFirst("/(tcp|udp)$", "");
    String hostIp = "";
    if (s.startsWith("[")) {
      int end = s.indexOf("]:");
      hostIp = s.substring(1, end);
      s = s.substring(end + 2);
    }
    String[] parts = s.split(":");
    if (parts.length == 3) {
      hostIp = parts[0];
    }
    String published = parts.length >= 2 ? parts[parts.length - 2] : "";
    return new PortMapping(hostIp, published, Integer.parseInt(parts[parts.length - 1]));
  }
}
