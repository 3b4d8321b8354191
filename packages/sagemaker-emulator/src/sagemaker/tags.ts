/**
 * SageMaker resource tags: Tags on Create*, and AddTags / ListTags / DeleteTags by ARN, with
 * SageMaker's limits (50 per resource, key 1-128 and value 0-256 characters of one character set,
 * `aws:` reserved). Each resource keeps its own list, so a deleted resource's tags go with it.
 */
import { constraint, validation } from '../aws-error';
import type { Input, Json } from '../wire';

export interface Tag {
  Key: string;
  Value: string;
}

/** A resource that can carry tags, found by its ARN. */
export interface Taggable {
  tags?: Tag[];
}

export type TaggableLookup = (arn: string) => Taggable | undefined;

const MAX_TAGS = 50;
const TAG_PATTERN = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const ARN_PATTERN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+$/;

function checkTag(raw: Json): Tag {
  const key = raw.Key;
  const value = raw.Value ?? '';
  if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
    throw constraint('Tags.member.Key', key, 'Member must have length between 1 and 128');
  }
  if (!TAG_PATTERN.test(key)) {
    throw constraint(
      'Tags.member.Key',
      key,
      `Member must satisfy regular expression pattern: ${TAG_PATTERN.source}`,
    );
  }
  if (key.toLowerCase().startsWith('aws:')) {
    throw validation(`Tag keys starting with "aws:" are reserved for AWS use: ${key}`);
  }
  if (typeof value !== 'string' || value.length > 256) {
    throw constraint('Tags.member.Value', value, 'Member must have length less than or equal to 256');
  }
  if (!TAG_PATTERN.test(value)) {
    throw constraint(
      'Tags.member.Value',
      value,
      `Member must satisfy regular expression pattern: ${TAG_PATTERN.source}`,
    );
  }
  return { Key: key, Value: value };
}

/** The `Tags` member of a request, checked; later duplicates of a key win, as AddTags merges. */
export function tagsOf(input: Input, field = 'Tags'): Tag[] {
  const raw = input.list(field);
  if (raw.length > MAX_TAGS) {
    throw constraint(
      field,
      `${raw.length} tags`,
      `Member must have length less than or equal to ${MAX_TAGS}`,
    );
  }
  return merge([], raw.map(checkTag));
}

function merge(existing: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const t of added) byKey.set(t.Key, t.Value);
  if (byKey.size > MAX_TAGS) {
    throw validation(`A resource can have at most ${MAX_TAGS} tags; this request would leave ${byKey.size}.`);
  }
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

export class Tagging {
  constructor(private readonly lookups: TaggableLookup[]) {}

  private resource(input: Input): Taggable {
    const arn = input.requiredStr('ResourceArn');
    if (arn.length > 256 || !ARN_PATTERN.test(arn)) {
      throw constraint(
        'ResourceArn',
        arn,
        `Member must satisfy regular expression pattern: ${ARN_PATTERN.source}`,
      );
    }
    for (const lookup of this.lookups) {
      const found = lookup(arn.toLowerCase());
      if (found) return found;
    }
    throw validation(`Could not find resource "${arn}".`);
  }

  addTags(input: Input): Json {
    const resource = this.resource(input);
    const added = tagsOf(input);
    resource.tags = merge(resource.tags ?? [], added);
    return { Tags: added };
  }

  listTags(input: Input): Json {
    const resource = this.resource(input);
    const max = input.num('MaxResults');
    if (max !== undefined && (!Number.isInteger(max) || max < 50)) {
      throw constraint('MaxResults', max, 'Member must have value greater than or equal to 50');
    }
    // At most 50 tags per resource and pages of at least 50: one page always holds them all.
    return { Tags: resource.tags ?? [] };
  }

  deleteTags(input: Input): Json {
    const resource = this.resource(input);
    const keys = input.list<string>('TagKeys');
    if (keys.length < 1 || keys.length > MAX_TAGS) {
      throw constraint('TagKeys', `${keys.length} keys`, `Member must have length between 1 and ${MAX_TAGS}`);
    }
    const doomed = new Set(keys);
    resource.tags = (resource.tags ?? []).filter((t) => !doomed.has(t.Key));
    return {};
  }
}
