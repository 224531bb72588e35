package io.custos.monitor;

import java.util.List;

/** One way of spotting an anomaly. Each keeps its own bounded state. */
sealed interface Detector
    permits UnauthorisedKekDetector, BulkDecryptDetector, DenialBurstDetector, RateSpikeDetector,
        OutsideHoursDetector, FirstUseDetector {

  /** Looks at one event, adding any alerts it raises to {@code alerts}. O(1) amortised. */
  void observe(Observation o, List<Alert> alerts);
}
