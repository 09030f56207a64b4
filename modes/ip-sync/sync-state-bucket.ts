import { Construct } from 'constructs';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';

/** S3 allows at most 37 characters before the suffix it appends to a bucket prefix. */
export const BUCKET_PREFIX_MAX_LENGTH = 37;

export interface SyncStateBucketProps {
  /** Start of the bucket's name; S3 appends a unique suffix (names are global). Lowercase, at most 37 characters. */
  readonly bucketPrefix: string;
  /** Days a replaced or deleted state version is kept, to recover from a bad write. @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** A customer managed KMS key: SSE-KMS with an S3 bucket key (fewer KMS calls). @default SSE-S3 */
  readonly kmsKeyArn?: string;
}

/**
 * The sync function's memory: a private, encrypted, versioned bucket reachable over TLS only.
 * Each port's function keeps its state under its own target group's prefix.
 */
export class SyncStateBucket extends Construct {
  public readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: SyncStateBucketProps) {
    super(scope, id);
    const expirationDays = props.noncurrentVersionExpirationDays ?? 30;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(props.bucketPrefix) || props.bucketPrefix.length > BUCKET_PREFIX_MAX_LENGTH) {
      throw new Error(
        `SyncStateBucket: bucketPrefix "${props.bucketPrefix}" must be lowercase letters, digits and dashes, ` +
          `at most ${BUCKET_PREFIX_MAX_LENGTH} characters`,
      );
    }
    if (!Number.isInteger(expirationDays) || expirationDays < 1) {
      throw new Error(`SyncStateBucket: noncurrentVersionExpirationDays ${expirationDays} must be a positive integer`);
    }

    this.bucket = new S3Bucket(this, 'bucket', { bucketPrefix: props.bucketPrefix });
    const bucket = this.bucket.id;

    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    // SSE-S3 unless a key is given: the state holds IP addresses only, and no key policy has to admit each function.
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [encryptionRule(props.kmsKeyArn)],
    });
    // Versions let an operator restore the state a faulty run overwrote.
    new S3BucketVersioningA(this, 'versioning', {
      bucket,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'expire-old-state-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: expirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
    });
    const tlsOnly = new DataAwsIamPolicyDocument(this, 'tls-only', {
      statement: [
        {
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          principals: [{ type: '*', identifiers: ['*'] }],
          actions: ['s3:*'],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
      ],
    });
    new S3BucketPolicy(this, 'policy', { bucket, policy: tlsOnly.json });
  }
}

/** SSE-KMS with a bucket key when a key is given, else SSE-S3. */
function encryptionRule(kmsKeyArn: string | undefined) {
  if (kmsKeyArn === undefined) return { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } };
  return { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: kmsKeyArn }, bucketKeyEnabled: true };
}
