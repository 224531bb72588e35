package io.custos.app;

import io.custos.ca.ExpiryWatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expiry alerts POSTed as JSON to a webhook ({@code ca.expiry_webhook}). Delivery is
 * asynchronous and best effort: the alert is already in the audit log; a failure or a slow
 * receiver is logged and never holds up the caller. At most 32 deliveries are in flight; beyond
 * that, alerts are dropped with a warning.
 */
final class WebhookAlertSink implements ExpiryWatch.AlertSink {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookAlertSink.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private final URI url;
  private final HttpClient client;
  private final Semaphore inFlight = new Semaphore(32);

  WebhookAlertSink(URI url) {
    this.url = url;
    this.client = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @Override
  public void send(ExpiryWatch.Alert alert) {
    if (!inFlight.tryAcquire()) {
      LOG.warn("expiry webhook busy: alert for certificate {} ({}) not delivered", alert.serial(),
          ExpiryWatch.horizonText(alert.horizon()));
      return;
    }
    HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Content-Type", "application/json")
        .header("User-Agent", "custos/" + VersionInfo.CURRENT.version())
        .POST(HttpRequest.BodyPublishers.ofString(alert.json())).build();
    try {
      client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
        inFlight.release();
        if (failure != null) {
          LOG.warn("expiry webhook {} failed for certificate {}: {}", url, alert.serial(), failure.toString());
        } else if (response.statusCode() / 100 != 2) {
          LOG.warn("expiry webhook {} answered {} for certificate {}", url, response.statusCode(), alert.serial());
        }
      });
    } catch (RuntimeException e) {
      inFlight.release();
      LOG.warn("expiry webhook {} failed for certificate {}: {}", url, alert.serial(), e.toString());
    }
  }
}
