import { AWS_FORMATS, isPort, parseAwsId, tagProblem, type AwsFormat } from '../shared/aws-formats';

const ALB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188';

describe('AWS identifier formats', () => {
  test.each<[AwsFormat, string]>([
    ['region', 'eu-west-1'],
    ['region', 'us-gov-west-1'],
    ['region', 'ap-southeast-10'],
    ['availabilityZone', 'ap-southeast-10a'],
    ['vpcId', 'vpc-0a1b2c3d'],
    ['vpcId', 'vpc-0a1b2c3d4e5f60718'],
    ['subnetId', 'subnet-0a1b2c3d4e5f60001'],
    ['allocationId', 'eipalloc-0a1b2c3d'],
    ['ipamPoolId', 'ipam-pool-0e5f60718293a4b5c'],
    ['internalAlbDnsName', 'internal-app-1234567890.eu-west-1.elb.amazonaws.com'],
    ['internalAlbDnsName', 'internal-app-1234567890.cn-north-1.elb.amazonaws.com.cn'],
    ['albArn', ALB_ARN],
    ['albArn', ALB_ARN.replace('arn:aws:', 'arn:aws-us-gov:')],
    ['iamRoleArn', 'arn:aws:iam::123456789012:role/path/reader'],
    ['kmsKeyArn', 'arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef'],
    ['nodejsRuntime', 'nodejs22.x'],
    ['s3BucketName', 'my.state-bucket'],
  ])('%s accepts %s', (format, value) => {
    expect(AWS_FORMATS[format].pattern.test(value)).toBe(true);
  });

  test.each<[AwsFormat, string, string]>([
    ['region', 'eu-west', 'no number'],
    ['region', 'EU-WEST-1', 'upper case'],
    ['availabilityZone', 'euw1-az1', 'a zone id, not a name'],
    ['availabilityZone', 'eu-west-1', 'a region'],
    ['vpcId', 'vpc-12345', 'neither 8 nor 17 hex'],
    ['subnetId', 'sg-0a1b2c3d', 'another resource'],
    ['ipamPoolId', 'ipam-0e5f', 'not a pool'],
    ['internalAlbDnsName', 'app-1234567890.eu-west-1.elb.amazonaws.com', 'an internet-facing ALB'],
    ['albArn', ALB_ARN.replace('/app/', '/net/'), "an NLB's ARN"],
    [
      'albArn',
      ALB_ARN.replace(':loadbalancer/app/my-alb/50dc6c495c0c9188', ':listener/app/my-alb/50dc6c495c0c9188/f2f7dc8efc522ab2'),
      "a listener's ARN",
    ],
    ['iamRoleArn', 'arn:aws:iam::123456789012:user/bob', 'a user'],
    ['kmsKeyArn', 'arn:aws:kms:eu-west-1:123456789012:alias/state', 'an alias'],
    ['albName', 'internal-app', 'a reserved prefix'],
    ['s3BucketName', 'Acme_State', 'upper case and underscore'],
  ])('%s rejects %s (%s)', (format, value) => {
    expect(AWS_FORMATS[format].pattern.test(value)).toBe(false);
  });

  test('named groups give the parts a caller needs', () => {
    expect(parseAwsId('albArn', ALB_ARN)).toEqual({
      region: 'eu-west-1',
      account: '123456789012',
      resource: 'app/my-alb/50dc6c495c0c9188',
      name: 'my-alb',
    });
    expect(parseAwsId('availabilityZone', 'ap-southeast-10b')).toEqual({ region: 'ap-southeast-10' });
    expect(parseAwsId('iamRoleArn', 'arn:aws:iam::210987654321:role/r')).toEqual({ account: '210987654321' });
    expect(parseAwsId('nodejsRuntime', 'nodejs20.x')).toEqual({ major: '20' });
    expect(parseAwsId('albArn', 'not an arn')).toBeUndefined();
  });

  test.each([
    [1, true],
    [65535, true],
    [0, false],
    [65536, false],
    [80.5, false],
    ['80', false],
  ])('port %p: %p', (value, expected) => {
    expect(isPort(value)).toBe(expected);
  });

  test.each<[string, unknown, string | undefined]>([
    ['Owner', 'team', undefined],
    ['', 'x', 'key must be 1-128 characters'],
    ['k'.repeat(129), 'x', 'key must be 1-128 characters'],
    ['AWS:owner', 'x', 'key must not start with "aws:" (reserved by AWS)'],
    ['Owner', 'x'.repeat(257), 'value must be a string of at most 256 characters'],
    ['Owner', 5, 'value must be a string of at most 256 characters'],
  ])('tag %p = %p', (key, value, problem) => {
    expect(tagProblem(key, value)).toBe(problem);
  });
});
