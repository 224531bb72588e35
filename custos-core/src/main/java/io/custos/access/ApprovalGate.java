package io.custos.access;

/**
 * An access gate that also knows which operations need dual control: the HTTP request path asks
 * it, after a grant allowed an operation and before performing it, whether approvals are due.
 */
public interface ApprovalGate extends AccessGate {
  Approvals approvals();
}
