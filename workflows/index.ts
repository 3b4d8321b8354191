/** Entry point of the workflow bundle: every workflow type the worker serves. */
export { modelVersionLifecycle } from './model-version-lifecycle';
export { endpointLock } from './endpoint-lock';
export { endpointRevert } from './endpoint-revert';
