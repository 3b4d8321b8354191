/** Contract: CloudWatch metrics and alarms through the real CloudWatch client (AWS JSON 1.0, query-compatible). */
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterValueException,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_DELAY_MS, errorOf, startFixture, type EmulatorFixture } from './emulator-fixture';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => f?.close());

const cw = () => f.aws.cloudwatch;

function sageMakerQuery(
  id: string,
  endpoint: string,
  metric: string,
  stat: string,
  period = 1,
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/SageMaker',
        MetricName: metric,
        Dimensions: [
          { Name: 'EndpointName', Value: endpoint },
          { Name: 'VariantName', Value: 'v1' },
        ],
      },
      Period: period,
      Stat: stat,
    },
  };
}

describe('SageMaker metrics from invocations', () => {
  const endpoint = 'cw-ep';
  beforeAll(async () => {
    const sm = f.aws.sagemaker;
    await sm.send(
      new CreateModelCommand({
        ModelName: 'cw-model',
        PrimaryContainer: {
          Image: 'img',
          Environment: { EMULATOR_LATENCY_MS: '200', EMULATOR_FAIL_ON_INPUT_CONTAINING: 'null' },
        },
      }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'cw-cfg',
        ProductionVariants: [{ VariantName: 'v1', ModelName: 'cw-model', InitialInstanceCount: 1 }],
      }),
    );
    await sm.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: 'cw-cfg' }));
    f.clock.advance(CREATE_DELAY_MS);
  });

  it('publishes Invocations, 5XX errors and ModelLatency (µs) when the period closes', async () => {
    const start = f.clock.now();
    for (let i = 0; i < 30; i++) {
      f.emulator.state.invocations.invoke({ endpointName: endpoint, body: i % 3 === 0 ? '[null]' : '[1]' });
    }
    const queries = [
      sageMakerQuery('inv', endpoint, 'Invocations', 'Sum'),
      sageMakerQuery('err', endpoint, 'Invocation5XXErrors', 'Sum'),
      sageMakerQuery('lat', endpoint, 'ModelLatency', 'p50'),
    ];
    const read = () =>
      cw().send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(start - 5000),
          EndTime: new Date(start + 5000),
        }),
      );
    const open = await read();
    expect(open.MetricDataResults?.map((r) => r.Values)).toEqual([[], [], []]);

    f.clock.advance(1000);
    const closed = await read();
    const byId = Object.fromEntries((closed.MetricDataResults ?? []).map((r) => [r.Id, r]));
    expect(byId.inv?.Values).toEqual([30]);
    expect(byId.err?.Values).toEqual([10]);
    expect(byId.inv?.Timestamps?.[0]).toEqual(new Date(start));
    expect(byId.inv?.StatusCode).toBe('Complete');
    expect(byId.lat?.Values?.[0]).toBeGreaterThan(150_000);
    expect(byId.lat?.Values?.[0]).toBeLessThan(250_000);
  });

  it('orders by ScanBy, merges periods, and pages by MaxDatapoints', async () => {
    const start = f.clock.now();
    for (let s = 0; s < 4; s++) {
      for (let i = 0; i <= s; i++)
        f.emulator.state.invocations.invoke({ endpointName: endpoint, body: '[1]' });
      f.clock.advance(1000);
    }
    const range = { StartTime: new Date(start), EndTime: new Date(start + 4000) };
    const asc = await cw().send(
      new GetMetricDataCommand({
        MetricDataQueries: [sageMakerQuery('inv', endpoint, 'Invocations', 'Sum')],
        ScanBy: 'TimestampAscending',
        ...range,
      }),
    );
    expect(asc.MetricDataResults?.[0]?.Values).toEqual([1, 2, 3, 4]);
    const desc = await cw().send(
      new GetMetricDataCommand({
        MetricDataQueries: [sageMakerQuery('inv', endpoint, 'Invocations', 'Sum')],
        ...range,
      }),
    );
    expect(desc.MetricDataResults?.[0]?.Values).toEqual([4, 3, 2, 1]);
    const wide = await cw().send(
      new GetMetricDataCommand({
        MetricDataQueries: [sageMakerQuery('inv', endpoint, 'Invocations', 'Sum', 60)],
        ...range,
      }),
    );
    expect(wide.MetricDataResults?.[0]?.Values?.reduce((a, b) => a + b, 0)).toBe(10);

    const values: number[] = [];
    let NextToken: string | undefined;
    do {
      const page = await cw().send(
        new GetMetricDataCommand({
          MetricDataQueries: [sageMakerQuery('inv', endpoint, 'Invocations', 'Sum')],
          ScanBy: 'TimestampAscending',
          MaxDatapoints: 3,
          NextToken,
          ...range,
        }),
      );
      values.push(...(page.MetricDataResults?.[0]?.Values ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(values).toEqual([1, 2, 3, 4]);
  });

  it('answers GetMetricStatistics with simple and extended statistics', async () => {
    const start = f.clock.now();
    for (let i = 0; i < 20; i++) f.emulator.state.invocations.invoke({ endpointName: endpoint, body: '[1]' });
    f.clock.advance(1000);
    const out = await cw().send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/SageMaker',
        MetricName: 'ModelLatency',
        Dimensions: [
          { Name: 'EndpointName', Value: endpoint },
          { Name: 'VariantName', Value: 'v1' },
        ],
        StartTime: new Date(start),
        EndTime: new Date(start + 1000),
        Period: 1,
        Statistics: ['SampleCount', 'Average', 'Maximum'],
        ExtendedStatistics: ['p99'],
      }),
    );
    expect(out.Datapoints).toHaveLength(1);
    const dp = out.Datapoints![0]!;
    expect(dp.SampleCount).toBe(20);
    expect(dp.Unit).toBe('Microseconds');
    expect(dp.Maximum).toBeGreaterThanOrEqual(dp.Average!);
    expect(dp.ExtendedStatistics?.p99).toBeGreaterThan(150_000);
  });

  it('refuses a query id CloudWatch would refuse, as InvalidParameterValue', async () => {
    const err = await errorOf(
      cw().send(
        new GetMetricDataCommand({
          MetricDataQueries: [sageMakerQuery('Bad-Id', endpoint, 'Invocations', 'Sum')],
          StartTime: new Date(0),
          EndTime: new Date(),
        }),
      ),
    );
    expect(err).toBeInstanceOf(InvalidParameterValueException);
    expect(err.Code).toBe('InvalidParameterValue');
  });
});

describe('custom metrics', () => {
  it('stores PutMetricData (Value, Values/Counts, StatisticValues) and reads it back', async () => {
    const at = new Date(f.clock.now());
    await cw().send(
      new PutMetricDataCommand({
        Namespace: 'Churn/Quality',
        MetricData: [
          { MetricName: 'Drift', Value: 0.2, Timestamp: at, Dimensions: [{ Name: 'Model', Value: 'churn' }] },
          {
            MetricName: 'Drift',
            Values: [0.4, 0.6],
            Counts: [1, 2],
            Timestamp: at,
            Dimensions: [{ Name: 'Model', Value: 'churn' }],
          },
          {
            MetricName: 'Rows',
            StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 },
            Timestamp: at,
          },
        ],
      }),
    );
    const out = await cw().send(
      new GetMetricDataCommand({
        StartTime: new Date(at.getTime() - 1000),
        EndTime: new Date(at.getTime() + 1000),
        MetricDataQueries: [
          {
            Id: 'n',
            MetricStat: {
              Metric: {
                Namespace: 'Churn/Quality',
                MetricName: 'Drift',
                Dimensions: [{ Name: 'Model', Value: 'churn' }],
              },
              Period: 1,
              Stat: 'SampleCount',
            },
          },
          {
            Id: 'mx',
            MetricStat: {
              Metric: {
                Namespace: 'Churn/Quality',
                MetricName: 'Drift',
                Dimensions: [{ Name: 'Model', Value: 'churn' }],
              },
              Period: 1,
              Stat: 'Maximum',
            },
          },
          {
            Id: 'avg',
            MetricStat: {
              Metric: { Namespace: 'Churn/Quality', MetricName: 'Rows' },
              Period: 1,
              Stat: 'Average',
            },
          },
          {
            Id: 'pct',
            MetricStat: {
              Metric: { Namespace: 'Churn/Quality', MetricName: 'Rows' },
              Period: 1,
              Stat: 'p50',
            },
          },
          // Dimensions must match exactly: the same metric without them is another series.
          {
            Id: 'nodims',
            MetricStat: {
              Metric: { Namespace: 'Churn/Quality', MetricName: 'Drift' },
              Period: 1,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const byId = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r.Values]));
    expect(byId).toEqual({ n: [4], mx: [0.6], avg: [10], pct: [], nodims: [] });
  });

  it('refuses the reserved AWS/ namespaces', async () => {
    const err = await errorOf(
      cw().send(
        new PutMetricDataCommand({
          Namespace: 'AWS/SageMaker',
          MetricData: [{ MetricName: 'Invocations', Value: 1 }],
        }),
      ),
    );
    expect(err).toBeInstanceOf(InvalidParameterValueException);
    expect(err.Code).toBe('InvalidParameterValue');
    expect(err.message).toMatch(/AWS\/SageMaker for parameter Namespace is invalid/);
  });
});

describe('metric alarms', () => {
  it('moves INSUFFICIENT_DATA → ALARM → OK as datapoints breach and recover, and filters by state', async () => {
    const metric = {
      Namespace: 'Churn/Ops',
      MetricName: 'QueueDepth',
      Dimensions: [{ Name: 'Queue', Value: 'q1' }],
    };
    await cw().send(
      new PutMetricAlarmCommand({
        AlarmName: 'queue-deep',
        ...metric,
        Statistic: 'Maximum',
        Period: 1,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Threshold: 100,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const state = async () =>
      (await cw().send(new DescribeAlarmsCommand({ AlarmNames: ['queue-deep'] }))).MetricAlarms?.[0]
        ?.StateValue;
    expect(await state()).toBe('INSUFFICIENT_DATA');

    const put = async (value: number) => {
      await cw().send(
        new PutMetricDataCommand({
          Namespace: metric.Namespace,
          MetricData: [
            {
              MetricName: metric.MetricName,
              Dimensions: metric.Dimensions,
              Value: value,
              Timestamp: new Date(f.clock.now()),
            },
          ],
        }),
      );
      f.clock.advance(1000);
    };
    await put(150);
    await put(180);
    expect(await state()).toBe('ALARM');
    const inAlarm = await cw().send(
      new DescribeAlarmsCommand({ StateValue: 'ALARM', AlarmNamePrefix: 'queue-' }),
    );
    expect(inAlarm.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['queue-deep']);
    expect(inAlarm.MetricAlarms?.[0]).toMatchObject({
      Threshold: 100,
      EvaluationPeriods: 2,
      Statistic: 'Maximum',
    });
    expect(inAlarm.MetricAlarms?.[0]?.StateUpdatedTimestamp).toBeInstanceOf(Date);

    await put(20);
    await put(30);
    expect(await state()).toBe('OK');
    const stillAlarm = await cw().send(
      new DescribeAlarmsCommand({ StateValue: 'ALARM', AlarmNames: ['queue-deep'] }),
    );
    expect(stillAlarm.MetricAlarms).toEqual([]);
  });

  it('deletes alarms', async () => {
    await cw().send(
      new PutMetricAlarmCommand({
        AlarmName: 'short-lived',
        Namespace: 'Churn/Ops',
        MetricName: 'QueueDepth',
        Statistic: 'Average',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const listed = async () =>
      (await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'short-' }))).MetricAlarms?.length;
    expect(await listed()).toBe(1);
    await cw().send(new DeleteAlarmsCommand({ AlarmNames: ['short-lived'] }));
    expect(await listed()).toBe(0);
  });

  it('refuses an alarm without a metric, as MissingParameter', async () => {
    const err = await errorOf(
      cw().send(
        new PutMetricAlarmCommand({
          AlarmName: 'x',
          EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 1,
        }),
      ),
    );
    expect(err.name).toBe('MissingRequiredParameterException');
    expect(err.Code).toBe('MissingParameter');
  });
});
