/**
 * The emulator's programmatic interface: start it in-process (tests, a local stack), move its clock
 * by hand, and inject faults. Over HTTP the same controls live under /_emulator/ (README).
 */
export { EMULATOR_DEFAULTS, startEmulator, type Emulator, type EmulatorOptions } from './server';
export { manualClock, type ManualClock } from './manual-clock';
export type { FaultKind, FaultRule, FaultSpec } from './faults';
export { parseTrafficSpec, type TrafficRule } from './traffic-generator';
/** The request wrapper of `emulator.state` operations, for tests that call or observe them directly. */
export { Input } from './wire';
