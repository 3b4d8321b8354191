/** The benchmark worker's workflows: the product's, and the baseline beside them. */
export * from '../../workflows';
export { activityCallsBaseline } from './baseline-workflow';
