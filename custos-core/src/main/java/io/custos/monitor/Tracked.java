package io.custos.monitor;

/**
 * How much the detector currently remembers; each figure stays within its cap in {@link
 * MonitorSettings.Limits}. Useful as a metric.
 *
 * @param principals the most principals held by any one detector (each detector that keeps
 *     per-principal state keeps its own, capped, table)
 * @param keys keys with a rate baseline
 * @param principalKeyPairs (principal, key) pairs known to the first-use detector
 * @param clientAddresses client addresses watched for denial bursts
 */
public record Tracked(int principals, int keys, int principalKeyPairs, int clientAddresses) {}
