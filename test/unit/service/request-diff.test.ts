import { describe, expect, it } from 'vitest';
import { differingFields } from '../../../src/api/model-versions/request-diff';

describe('differingFields', () => {
  it('is empty for equal requests, whatever the key order', () => {
    expect(differingFields({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('names each differing leaf, a missing field and a resized array', () => {
    const before = { artifactUri: 's3://a/1', deployment: { bakeSeconds: 600, steps: [10, 100] }, tags: {} };
    const after = {
      artifactUri: 's3://a/2',
      deployment: { bakeSeconds: 600, steps: [10, 50, 100] },
      tags: { team: 'x' },
    };
    expect(differingFields(before, after)).toEqual(['artifactUri', 'deployment.steps', 'tags.team']);
    expect(differingFields({ p: [{ body: 'x' }] }, { p: [{ body: 'y' }] })).toEqual(['p[0].body']);
  });
});
