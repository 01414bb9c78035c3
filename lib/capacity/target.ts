/**
 * Deployment semantics the peak is computed under. Compose recreates stop-first (peak =
 * replicas); Kubernetes surges and drains; Pulumi replaces containers one by one.
 */
export type TargetKind = 'compose' | 'kubernetes' | 'pulumi';

/** Every target, in the order reports list them. */
export const TARGETS: readonly TargetKind[] = ['compose', 'kubernetes', 'pulumi'];
