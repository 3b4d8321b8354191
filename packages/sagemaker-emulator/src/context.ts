/** What every part of the emulator shares: the account and region it pretends to be, and the clock. */
export interface EmulatorContext {
  accountId: string;
  region: string;
  now(): number;
}

/** SageMaker lower-cases resource names inside ARNs. */
export function sageMakerArn(ctx: EmulatorContext, resource: string, name: string): string {
  return `arn:aws:sagemaker:${ctx.region}:${ctx.accountId}:${resource}/${name.toLowerCase()}`;
}
