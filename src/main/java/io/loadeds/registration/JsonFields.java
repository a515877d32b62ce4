package io.loadeds.registration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.loadeds.registry.InvalidFieldException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Typed reads of JSON members that refuse a wrong type with an {@link InvalidFieldException} naming
 * the field as the client wrote it (e.g. {@code locality.zone}, {@code hosts[2].port}). Nothing is
 * coerced: {@code "80"} is not a port and {@code 1.5} is not a capacity. Stateless.
 */
final class JsonFields {
  private JsonFields() {}

  /** The member's value, or null when it is absent or JSON {@code null}. */
  static JsonNode get(ObjectNode object, String member) {
    JsonNode node = object.get(member);
    return node == null || node.isNull() ? null : node;
  }

  /** An integer that fits in an {@code int}, or null for null. */
  static Integer integer(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber()) {
      throw new InvalidFieldException(field, "must be an integer, got " + describe(node));
    }
    if (!node.canConvertToInt()) {
      throw new InvalidFieldException(field, "is out of range, got " + node.asText());
    }
    return node.intValue();
  }

  /** An integer that fits in a {@code long}, or null for null. */
  static Long longInteger(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber()) {
      throw new InvalidFieldException(field, "must be an integer, got " + describe(node));
    }
    if (!node.canConvertToLong()) {
      throw new InvalidFieldException(field, "is out of range, got " + node.asText());
    }
    return node.longValue();
  }

  /** An integer that must be present. */
  static int requiredInteger(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      throw new InvalidFieldException(field, "is required");
    }
    return integer(node, field);
  }

  /** A string, or null for null. */
  static String string(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new InvalidFieldException(field, "must be a string, got " + describe(node));
    }
    return node.textValue();
  }

  /** A boolean, or null for null. */
  static Boolean bool(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isBoolean()) {
      throw new InvalidFieldException(field, "must be true or false, got " + describe(node));
    }
    return node.booleanValue();
  }

  /** An object, or null for null. */
  static ObjectNode object(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw new InvalidFieldException(field, "must be an object, got " + describe(node));
    }
    return (ObjectNode) node;
  }

  /** An object of string values (insertion order kept), or an empty map for null. */
  static Map<String, String> stringMap(JsonNode node, String field) {
    ObjectNode object = object(node, field);
    Map<String, String> out = new LinkedHashMap<>();
    if (object == null) {
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String value = string(e.getValue(), field + "." + e.getKey());
      if (value == null) {
        throw new InvalidFieldException(field + "." + e.getKey(), "must be a string, got null");
      }
      out.put(e.getKey(), value);
    }
    return out;
  }

  /** How a value looks, for messages: its type, or the number itself for a wrong number. */
  static String describe(JsonNode node) {
    return switch (node.getNodeType()) {
      case NUMBER -> node.asText();
      case STRING -> "a string";
      case BOOLEAN -> node.asText();
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case NULL -> "null";
      default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
