package io.custos.server;

import io.custos.failure.CustosException;
import io.custos.system.SystemHealth;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.net.BindException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The front door of the HTTP API: an embedded Jetty (through Javalin) on virtual threads.
 * Outside dev mode it serves only TLS; in dev mode it may serve plain HTTP, on loopback only.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  static final String MAX_BODY_ATTR = "custos.max_body";

  private final Javalin app;
  private final ServerSettings settings;
  private final List<ApiRoute> documented;
  private final List<String> registered;
  private volatile boolean stopped;

  private ApiServer(Javalin app, ServerSettings settings, List<ApiRoute> documented, List<String> registered) {
    this.app = app;
    this.settings = settings;
    this.documented = documented;
    this.registered = registered;
  }

  /** Starts the server with the system routes plus {@code modules}. */
  public static ApiServer start(ServerSettings settings, String version, SystemHealth health,
      List<RouteModule> modules) {
    return start(settings, version, health, modules, new Metrics());
  }

  /** Starts the server; {@code metrics} gains the HTTP metrics and is served at {@code /metrics}. */
  public static ApiServer start(ServerSettings settings, String version, SystemHealth health,
      List<RouteModule> modules, Metrics metrics) {
    return start(settings, version, health, modules, metrics, io.custos.access.Authenticator.none());
  }

  /** Starts the server; requests' credentials are checked by {@code authenticator}. */
  public static ApiServer start(ServerSettings settings, String version, SystemHealth health,
      List<RouteModule> modules, Metrics metrics, io.custos.access.Authenticator authenticator) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(authenticator, "authenticator");
    checkSettings(settings);
    Optional<SslContextFactory.Server> ssl = settings.tls().map(TlsConnector::contextFactory);

    List<ApiRoute> routes = new ArrayList<>();
    Map<String, Map<String, Object>> schemas = new LinkedHashMap<>();
    List<String> registered = new CopyOnWriteArrayList<>();
    Map<String, Object>[] openApi = new Map[1];
    List<RouteModule> all = new ArrayList<>();
    all.add(new SysRoutes(health, () -> openApi[0], metrics));
    Metrics.Counter requests = metrics.counter("custos_http_requests_total", "HTTP requests by method, route and status",
        "method", "route", "status");
    Metrics.Histogram latency = metrics.histogram("custos_http_request_duration_seconds",
        "HTTP request latency by route", new double[] {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5}, "route");
    all.addAll(modules);

    Throttle throttle = new Throttle(settings.limits(), System::nanoTime, metrics);

    Javalin app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.startup.showOldJavalinVersionWarning = false;
      cfg.concurrency.useVirtualThreads = true;
      cfg.http.maxRequestSize = settings.maxRequestBytes();
      cfg.http.prefer405over404 = true;
      cfg.jetty.host = settings.host();
      cfg.jetty.port = settings.port();
      cfg.jetty.modifyHttpConfiguration(http -> {
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(16 * 1024);
        http.setIdleTimeout(settings.idleTimeout().toMillis());
        http.setMinRequestDataRate(1024); // bytes/s: a trickling body is cut off
      });
      ssl.ifPresent(f -> cfg.jetty.addConnector((server, http) -> {
        var c = TlsConnector.create(server, http, f);
        c.setHost(settings.host());
        c.setPort(settings.port());
        c.setIdleTimeout(settings.idleTimeout().toMillis());
        return c;
      }));
      if (ssl.isEmpty()) {
        // Dev mode's plain connector, so the idle timeout also closes connections stalled mid-headers.
        cfg.jetty.addConnector((server, http) -> {
          var c = new org.eclipse.jetty.server.ServerConnector(server, new org.eclipse.jetty.server.HttpConnectionFactory(http));
          c.setHost(settings.host());
          c.setPort(settings.port());
          c.setIdleTimeout(settings.idleTimeout().toMillis());
          return c;
        });
      }
      cfg.jetty.modifyServer(server -> {
        server.setStopTimeout(settings.stopTimeout().toMillis());
        // Javalin attaches its handler inside this wrapper, so stop() waits for in-flight requests.
        server.setHandler(new GracefulHandler());
        server.setErrorHandler(new JettyProblems());
      });
      cfg.events.handlerAdded(meta -> {
        if (meta.getHttpMethod().isHttpMethod()) {
          registered.add(meta.getHttpMethod().name() + " " + meta.getPath());
        }
      });

      cfg.routes.before(ctx -> {
        RequestIds.assign(ctx);
        throttle.before(ctx); // rate limits first: nothing below runs for a refused request
        ctx.attribute(MAX_BODY_ATTR, settings.maxRequestBytes());
        ctx.attribute(Authentication.AUTHENTICATOR, authenticator);
        long declared = ctx.req().getContentLengthLong();
        if (declared > settings.maxRequestBytes()) {
          throw new HttpResponseException(413, "request body too large");
        }
      });
      cfg.routes.exception(TooManyRequests.class, Problems::tooManyRequests);
      cfg.routes.exception(CustosException.class, Problems::custos);
      cfg.routes.exception(Json.UnsupportedMediaType.class, Problems::unsupportedMediaType);
      cfg.routes.exception(HttpResponseException.class, Problems::http);
      cfg.routes.exception(Exception.class, Problems::unexpected);
      cfg.requestLogger.http((ctx, ms) -> {
        String route = routeOf(ctx);
        requests.inc(ctx.method().name(), route, String.valueOf(ctx.statusCode()));
        latency.observe(ms / 1000.0, route);
        if (ctx.statusCode() != 429) { // refusals under a flood are counted, not logged one by one
          logRequest(ctx, ms);
        }
      });

      RouteModule.Registrar registrar = new RouteModule.Registrar() {
        @Override
        public void add(ApiRoute route, io.javalin.http.Handler handler) {
          routes.add(route);
          cfg.routes.addHttpHandler(HandlerType.findOrCreate(route.method()), route.path(), handler);
        }

        @Override
        public void schema(String name, Map<String, Object> jsonSchema) {
          schemas.put(name, jsonSchema);
        }
      };
      all.forEach(m -> m.register(registrar));
      openApi[0] = OpenApiDocument.build(version, routes, schemas);
    });

    try {
      app.start();
    } catch (RuntimeException e) {
      app.stop();
      throw startFailure(settings, e);
    }
    ApiServer server = new ApiServer(app, settings, List.copyOf(routes), registered);
    LOG.info("listening on {}", server.address());
    return server;
  }

  private static void checkSettings(ServerSettings s) {
    if (s.dev() && !s.loopbackHost()) {
      throw new ServerStartException("dev mode listens on 127.0.0.1 only; '" + s.host()
          + "' is not a loopback address");
    }
    if (!s.dev() && s.tls().isEmpty()) {
      throw new ServerStartException("outside dev mode the server needs TLS (SS-002 11.3.4): "
          + "set tls.cert and tls.key in the config, or --tls-cert and --tls-key");
    }
  }

  private static ServerStartException startFailure(ServerSettings s, RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return new ServerStartException("cannot listen on " + s.host() + ":" + s.port() + ": "
            + (t.getMessage() != null && t.getMessage().toLowerCase().contains("in use")
                ? "address already in use" : t.getMessage()));
      }
      if (t instanceof ServerStartException sse) {
        return sse;
      }
    }
    return new ServerStartException("cannot start the HTTP server on " + s.host() + ":" + s.port()
        + ": " + e.getMessage(), e);
  }

  /** The matched route's path (bounded label values), or "unmatched". */
  private static String routeOf(Context ctx) {
    try {
      io.javalin.router.Endpoint e = ctx.endpoint();
      return e == null || e.method.name().equals("BEFORE") ? "unmatched" : e.path;
    } catch (RuntimeException e) {
      return "unmatched";
    }
  }

  private static void logRequest(Context ctx, Float ms) {
    String id = RequestIds.of(ctx);
    MDC.put(RequestIds.MDC_KEY, id);
    try {
      LOG.info("{} {} -> {} in {} ms", ctx.method().name(), ctx.path(), ctx.statusCode(),
          String.format(java.util.Locale.ROOT, "%.1f", ms));
    } finally {
      MDC.remove(RequestIds.MDC_KEY);
    }
  }

  /** Where clients reach the server, with the real port if 0 was asked for. */
  public URI address() {
    String scheme = settings.tls().isPresent() ? "https" : "http";
    String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
    return URI.create(scheme + "://" + host + ":" + app.port());
  }

  /** The documented routes (what the OpenAPI document lists). */
  public List<ApiRoute> documentedRoutes() {
    return documented;
  }

  /** "METHOD path" of every handler Javalin actually registered. */
  public List<String> registeredRoutes() {
    return Collections.unmodifiableList(registered);
  }

  /** Stops accepting, lets in-flight requests finish (bounded by the stop timeout), then stops. */
  public synchronized void stop() {
    if (!stopped) {
      stopped = true;
      app.stop();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
