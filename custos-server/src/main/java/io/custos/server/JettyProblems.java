package io.custos.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before a request reaches the API (malformed request line, headers too
 * large, URI too long) are problem documents too, never HTML.
 */
final class JettyProblems extends ErrorHandler {
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus() > 0 ? response.getStatus() : 500;
    Object message = request.getAttribute(ERROR_MESSAGE);
    String detail = message instanceof String s && !s.isBlank() ? s : Problems.title(status);
    Problem p = new Problem(Problem.typeFor(Problems.codeFor(status)), Problems.title(status), status,
        detail, null, null, null);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
    response.write(true, ByteBuffer.wrap(Json.bytes(p)), callback);
    return true;
  }
}
