import { SyncStateBucket, type SyncStateBucketProps } from '../../../modes/ip-sync/sync-state-bucket';
import { policyStatements, ref, resourceAt, synthScope } from '../../support/synth';

const synth = (props: SyncStateBucketProps = { bucketPrefix: 'prod-alb-ip-state-' }) =>
  synthScope((scope) => new SyncStateBucket(scope, 'state', props));

describe('SyncStateBucket', () => {
  const json = synth();
  const bucket = resourceAt(json, 'aws_s3_bucket', 'bucket');
  const bucketId = ref(bucket, 'id');

  test('lets S3 make the globally unique name from the prefix', () => {
    expect(bucket.bucket_prefix).toBe('prod-alb-ip-state-');
    expect(bucket.bucket).toBeUndefined();
    // Losing the state would only cost a grace period, but deleting it should be deliberate.
    expect(bucket.force_destroy).toBeUndefined();
  });

  test('blocks every kind of public access', () => {
    expect(resourceAt(json, 'aws_s3_bucket_public_access_block', 'public-access-block')).toMatchObject({
      bucket: bucketId,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  test('enforces bucket ownership (ACLs disabled)', () => {
    expect(resourceAt(json, 'aws_s3_bucket_ownership_controls', 'ownership')).toMatchObject({
      bucket: bucketId,
      rule: { object_ownership: 'BucketOwnerEnforced' },
    });
  });

  test('encrypts objects at rest', () => {
    expect(resourceAt(json, 'aws_s3_bucket_server_side_encryption_configuration', 'encryption')).toMatchObject({
      bucket: bucketId,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
  });

  test('keeps versions, and expires old ones after 30 days by default', () => {
    expect(resourceAt(json, 'aws_s3_bucket_versioning', 'versioning')).toMatchObject({
      bucket: bucketId,
      versioning_configuration: { status: 'Enabled' },
    });
    const [rule] = resourceAt(json, 'aws_s3_bucket_lifecycle_configuration', 'lifecycle').rule;
    expect(rule).toMatchObject({
      status: 'Enabled',
      filter: [{ prefix: '' }],
      noncurrent_version_expiration: [{ noncurrent_days: 30 }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
    });
  });

  test('expires old versions after the configured days', () => {
    const custom = synth({ bucketPrefix: 'p-', noncurrentVersionExpirationDays: 7 });
    const [rule] = resourceAt(custom, 'aws_s3_bucket_lifecycle_configuration', 'lifecycle').rule;
    expect(rule.noncurrent_version_expiration).toEqual([{ noncurrent_days: 7 }]);
  });

  test('denies every request that does not use TLS, on the bucket and its objects', () => {
    const policy = resourceAt(json, 'aws_s3_bucket_policy', 'policy');
    expect(policy.bucket).toBe(bucketId);
    expect(policyStatements(json, policy.policy)).toEqual([
      {
        sid: 'DenyInsecureTransport',
        effect: 'Deny',
        principals: [{ type: '*', identifiers: ['*'] }],
        actions: ['s3:*'],
        resources: [ref(bucket, 'arn'), `${ref(bucket, 'arn')}/*`],
        condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      },
    ]);
  });

  test.each<[string, SyncStateBucketProps, string]>([
    ['an uppercase prefix', { bucketPrefix: 'Prod-' }, 'bucketPrefix "Prod-" must be lowercase letters'],
    ['a prefix over 37 characters', { bucketPrefix: 'p'.repeat(38) }, 'at most 37 characters'],
    [
      'a non-positive expiry',
      { bucketPrefix: 'p-', noncurrentVersionExpirationDays: 0 },
      'noncurrentVersionExpirationDays 0 must be a positive integer',
    ],
  ])('rejects %s', (_, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
