package io.loadeds.registration;

import static io.loadeds.registration.JsonFields.get;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loadeds.registry.Endpoint;
import io.loadeds.registry.InvalidFieldException;
import io.loadeds.registry.Locality;
import io.loadeds.registry.Registration;
import io.loadeds.registry.Validation;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The blog demo registry's host list, {@code {"hosts":[{"ip_address","port","tags":{...}}]}},
 * mapped to and from registrations: {@code tags.load_balancing_weight} is the static weight, {@code
 * tags.az} the locality's zone, and every other scalar tag (such as {@code canary}) a metadata
 * string. Ids are {@code ip-port} with the colons of an IPv6 address written as {@code _}.
 * Stateless.
 */
final class EdsHostsJson {
  private static final String WEIGHT = "load_balancing_weight";
  private static final String ZONE = "az";
  private static final String CANARY = "canary";

  private EdsHostsJson() {}

  /**
   * The registrations a host list asks for, by id. A host listed twice (a restarted blog backend
   * appends itself again) counts once, the last entry winning.
   *
   * @throws InvalidFieldException naming the first bad member, e.g. {@code hosts[1].port}
   */
  static Map<String, Registration> registrations(ObjectNode body) {
    JsonNode hosts = get(body, "hosts");
    if (hosts == null) {
      throw new InvalidFieldException("hosts", "is required");
    }
    if (!hosts.isArray()) {
      throw new InvalidFieldException(
          "hosts", "must be an array, got " + JsonFields.describe(hosts));
    }
    Map<String, Registration> out = new LinkedHashMap<>();
    for (int i = 0; i < hosts.size(); i++) {
      String field = "hosts[" + i + "]";
      ObjectNode host = JsonFields.object(hosts.get(i), field);
      if (host == null) {
        throw new InvalidFieldException(field, "must be an object, got null");
      }
      Registration r = registration(host, field);
      out.put(id(r.address(), r.port()), r);
    }
    return out;
  }

  private static Registration registration(ObjectNode host, String field) {
    String address = JsonFields.string(get(host, "ip_address"), field + ".ip_address");
    if (address != null && address.startsWith("[") && address.endsWith("]")) {
      address = address.substring(1, address.length() - 1); // "[::1]", as the blog's docs write it
    }
    Validation.ipLiteral(field + ".ip_address", address);
    int port = JsonFields.requiredInteger(get(host, "port"), field + ".port");
    if (port < 1 || port > 65535) {
      throw new InvalidFieldException(field + ".port", "must be in 1..65535, got " + port);
    }
    Integer weight = null;
    String zone = "";
    Map<String, String> metadata = new LinkedHashMap<>();
    ObjectNode tags = JsonFields.object(get(host, "tags"), field + ".tags");
    if (tags != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = tags.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> tag = it.next();
        String tagField = field + ".tags." + tag.getKey();
        JsonNode value = tag.getValue();
        if (tag.getKey().equals(WEIGHT)) {
          weight = JsonFields.integer(value, tagField);
          if (weight != null && weight < 1) {
            throw new InvalidFieldException(tagField, "must be >= 1, got " + weight);
          }
        } else if (tag.getKey().equals(ZONE)) {
          zone = JsonFields.string(value, tagField);
          if (zone != null && !zone.isEmpty() && !Validation.NAME.matcher(zone).matches()) {
            throw new InvalidFieldException(tagField, "must match [A-Za-z0-9._-]{1,128}");
          }
        } else if (value.isValueNode() && !value.isNull()) {
          metadata.put(tag.getKey(), value.asText());
        }
        // Nested tags have no metadata counterpart; like unknown members, they are ignored.
      }
    }
    return new Registration(
        address, port, null, 0, weight, null, new Locality("", zone, ""), metadata);
  }

  /** The id an {@code /edsservice} host gets: {@code ip-port}, IPv6 colons as underscores. */
  static String id(String address, int port) {
    return address.replace(':', '_') + "-" + port;
  }

  /** The host list of the given endpoints, in the blog's shape. */
  static ObjectNode hosts(List<Endpoint> endpoints) {
    ObjectNode out = Json.object();
    ArrayNode hosts = out.putArray("hosts");
    for (Endpoint e : endpoints) {
      ObjectNode host = hosts.addObject();
      host.put("ip_address", e.address());
      host.put("port", e.port());
      ObjectNode tags = host.putObject("tags");
      tags.put(ZONE, e.locality().zone());
      for (Map.Entry<String, String> m : new TreeMap<>(e.metadata()).entrySet()) {
        boolean flag = m.getKey().equals(CANARY) && m.getValue().matches("true|false");
        if (flag) {
          tags.put(CANARY, Boolean.parseBoolean(m.getValue()));
        } else {
          tags.put(m.getKey(), m.getValue());
        }
      }
      if (e.weight() != null) {
        tags.put(WEIGHT, e.weight());
      }
    }
    return out;
  }
}
