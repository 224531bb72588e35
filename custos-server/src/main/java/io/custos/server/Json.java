package io.custos.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.custos.failure.InvalidInputException;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Locale;

/** JSON in and out of the API: strict reading with limits, and one way of writing. */
public final class Json {
  public static final String CONTENT_TYPE = "application/json";

  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .build();

  static {
    MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(32)
        .maxStringLength(4 * 1024 * 1024) // the body limit is the real bound
        .maxNumberLength(64)
        .maxNameLength(256)
        .build());
  }

  private Json() {}

  /** Writes {@code body} as the JSON response with the given status. */
  public static void respond(Context ctx, int status, Object body) {
    respond(ctx, status, CONTENT_TYPE, body);
  }

  static void respond(Context ctx, int status, String contentType, Object body) {
    ctx.status(status);
    ctx.contentType(contentType);
    ctx.result(bytes(body));
  }

  static byte[] bytes(Object body) {
    try {
      return MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON response", e);
    }
  }

  /**
   * The request body as a JSON tree. Refuses, with a message saying where, a body that is not
   * {@code application/json}, is empty, malformed, too deep or has trailing content.
   */
  public static JsonNode body(Context ctx) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase(Locale.ROOT).split(";")[0].trim().equals(CONTENT_TYPE)) {
      throw new UnsupportedMediaType(type);
    }
    byte[] raw = ctx.bodyAsBytes();
    if (raw.length == 0) {
      throw new InvalidInputException("request body is empty; a JSON object is required");
    }
    try {
      JsonNode node = MAPPER.readTree(raw);
      if (node == null || !node.isObject()) {
        throw new InvalidInputException("request body must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("request body is not valid JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
              + ", column " + e.getLocation().getColumnNr() + ")"));
    } catch (IOException e) {
      throw new InvalidInputException("request body cannot be read: " + e.getMessage());
    }
  }

  /** The body's content type is not JSON. */
  static final class UnsupportedMediaType extends RuntimeException {
    UnsupportedMediaType(String given) {
      super("request body must be " + CONTENT_TYPE + ", not " + (given == null ? "untyped" : "'" + given + "'"));
    }
  }
}
