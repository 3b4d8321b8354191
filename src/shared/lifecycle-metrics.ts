/**
 * The product's metric names, shared by the workflow code that emits them (workflows/lifecycle-telemetry.ts),
 * the worker's Prometheus exporter (bucket bounds) and the API's /metrics (the stage gauge).
 * README, "Operations", lists them with example queries.
 */

/** Counter, labels `cause` (RollbackCause): one per rollback started. */
export const ROLLBACKS_METRIC = 'mvl_rollbacks';
/** Counter, labels `status` (healthy | unhealthy | insufficient-data): one per health verdict. */
export const VERDICTS_METRIC = 'mvl_health_verdicts';
/** Histogram (seconds), labels `stage`: time from entering a stage to leaving it. */
export const STAGE_DURATION_METRIC = 'mvl_stage_duration_seconds';
/** Histogram (seconds), labels `decision` (Approved | Rejected | expired): time at the approval gate. */
export const APPROVAL_WAIT_METRIC = 'mvl_approval_wait_seconds';
/** Gauge on the API's /metrics, labels `stage`: lifecycles per stage in Temporal visibility. */
export const LIFECYCLES_BY_STAGE_METRIC = 'mvl_lifecycles';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Stages last from seconds (registering) to days (awaiting approval); the SDK's default buckets stop at 10 000. */
export const LIFECYCLE_HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [STAGE_DURATION_METRIC]: [
    1,
    5,
    15,
    30,
    MINUTE,
    5 * MINUTE,
    15 * MINUTE,
    HOUR,
    4 * HOUR,
    DAY,
    3 * DAY,
    7 * DAY,
  ],
  [APPROVAL_WAIT_METRIC]: [MINUTE, 15 * MINUTE, HOUR, 4 * HOUR, 12 * HOUR, DAY, 2 * DAY, 4 * DAY, 7 * DAY],
};
