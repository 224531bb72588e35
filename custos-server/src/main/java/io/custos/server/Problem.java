package io.custos.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** An RFC 9457 problem document, with the request id and, when a standard forbade it, the control. */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Problem(
    String type,
    String title,
    int status,
    String detail,
    String instance,
    @JsonProperty("request_id") String requestId,
    String control) {

  static final String CONTENT_TYPE = "application/problem+json";

  static String typeFor(String code) {
    return "urn:custos:problem:" + code;
  }
}
