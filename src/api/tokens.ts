/** Injection tokens: explicit, because tsx and vitest emit no decorator metadata to infer types from. */
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');
export const API_SETTINGS = Symbol('API_SETTINGS');
export const AUTHENTICATOR = Symbol('AUTHENTICATOR');
export const SERVING_LINEAGE_READER = Symbol('SERVING_LINEAGE_READER');
export const LIFECYCLE_SERVICE = Symbol('LIFECYCLE_SERVICE');
export const SAGEMAKER_EVENTS_SERVICE = Symbol('SAGEMAKER_EVENTS_SERVICE');
export const STUDIO_DECISIONS = Symbol('STUDIO_DECISIONS');
export const REVERT_PLANNER = Symbol('REVERT_PLANNER');
export const REVERT_SERVICE = Symbol('REVERT_SERVICE');
export const WITHDRAWAL_SERVICE = Symbol('WITHDRAWAL_SERVICE');
