import { expectSafetyBlocksKept } from '../scripts/export-hcl';
import { compareSafetyBlocks, missingTopLevelBlocks, safetyBlocksOfHcl, safetyBlocksOfJson } from '../scripts/safety-blocks';

/**
 * The safety blocks of a JSON synthesis and of its HCL export, compared block by block on a hand-made sample shaped
 * like cdktf 0.21's output (`cdktf synth` and `cdktf synth --hcl`, then `terraform fmt`): every kind of block
 * Terraform honours, and the text an HCL reader trips on (quotes and braces in strings, heredocs, comments).
 */
const JSON_SYNTH = {
  removed: [
    { from: 'aws_eip.static-ips_eip-eu-west-1c_0FE5F7A7', lifecycle: { destroy: false } },
    { from: 'aws_eip.static-ips_eip-eu-west-1d_9549E109', lifecycle: { destroy: false } },
  ],
  moved: [{ from: 'aws_eip.static-ip-nlb_eip-subnet-0a1b2c3d_0DC7917B', to: 'aws_eip.static-ips_eip-eu-west-1a_6CA06E9B' }],
  import: [{ to: 'aws_eip.static-ips_eip-eu-west-1a_6CA06E9B', id: 'eipalloc-0a1b2c3d4e5f60718' }],
  check: {
    'alb-reachable': {
      assert: [{ condition: '${length(data.aws_lb.app.subnets) > 0}', error_message: 'the ALB has no subnet' }],
    },
  },
  resource: {
    aws_eip: {
      'static-ips_eip-eu-west-1a_6CA06E9B': {
        domain: 'vpc',
        tags: { Name: 'prod-static-ip-eu-west-1a' },
        lifecycle: {
          prevent_destroy: true,
          precondition: [{ condition: '${var.region == "eu-west-1"}', error_message: 'Elastic IPs are regional: eu-west-1 only' }],
        },
      },
    },
    aws_iam_role: { sync_role_EBEAF079: { name_prefix: 'sync-', lifecycle: { create_before_destroy: true } } },
    aws_lambda_function: {
      sync_function_1A2B3C4D: {
        function_name: 'sync',
        lifecycle: { ignore_changes: ['tags', 'last_modified'], replace_triggered_by: ['${aws_iam_role.sync_role_EBEAF079.id}'] },
      },
    },
    aws_cloudwatch_dashboard: {
      dashboard_5E6F7A8B: { dashboard_body: '{"widgets":[{"type":"metric","properties":{"title":"${aws_lb.x.name} {ports}"}}]}' },
    },
  },
  data: {
    aws_lb: {
      app: {
        arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app/50dc6c495c0c9188',
        lifecycle: { postcondition: [{ condition: '${self.internal}', error_message: 'the ALB must be internal' }] },
      },
    },
  },
  output: {
    static_ips: {
      value: '${aws_eip.static-ips_eip-eu-west-1a_6CA06E9B.public_ip}',
      precondition: [{ condition: '${true}', error_message: 'an address per zone' }],
    },
  },
} as const;

const HCL = `# cdktf writes a comment first
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}
moved {
  to   = aws_eip.static-ips_eip-eu-west-1a_6CA06E9B
  from = aws_eip.static-ip-nlb_eip-subnet-0a1b2c3d_0DC7917B
}

import {
  to = aws_eip.static-ips_eip-eu-west-1a_6CA06E9B
  id = "eipalloc-0a1b2c3d4e5f60718"
}
check "alb-reachable" {
  assert {
    condition     = length(data.aws_lb.app.subnets) > 0
    error_message = "the ALB has no subnet"
  }
}
data "aws_lb" "app" {
  arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app/50dc6c495c0c9188"
  lifecycle {
    postcondition {
      condition     = self.internal
      error_message = "the ALB must be internal"
    }
  }
}
resource "aws_eip" "static-ips_eip-eu-west-1a_6CA06E9B" {
  domain = "vpc"
  tags = {
    Name = "prod-static-ip-eu-west-1a" // the zone's key
  }
  lifecycle {
    prevent_destroy = true
    precondition {
      condition     = var.region == "eu-west-1"
      error_message = "Elastic IPs are regional: eu-west-1 only"
    }
  }
}
resource "aws_iam_role" "sync_role_EBEAF079" {
  name_prefix = "sync-"
  lifecycle { create_before_destroy = true }
}
resource "aws_lambda_function" "sync_function_1A2B3C4D" {
  function_name = "sync"
  lifecycle {
    ignore_changes       = [tags, last_modified]
    replace_triggered_by = [aws_iam_role.sync_role_EBEAF079.id]
  }
}
resource "aws_cloudwatch_dashboard" "dashboard_5E6F7A8B" {
  dashboard_body = "{\\"widgets\\":[{\\"type\\":\\"metric\\",\\"properties\\":{\\"title\\":\\"\${aws_lb.x.name} {ports}\\"}}]}"
  /* a heredoc holding braces and a fake block */
  description = <<EOT
resource "aws_eip" "not_a_block" { lifecycle { prevent_destroy = false } }
EOT
}
output "static_ips" {
  value = aws_eip.static-ips_eip-eu-west-1a_6CA06E9B.public_ip
  precondition {
    condition     = true
    error_message = "an address per zone"
  }
}
`;

/** What cdktf 0.21's HCL renderer gives: the same, without the removed blocks (JSON has them, the HCL none). */
const REMOVED = /\nremoved \{[^]*?\n\}\n/g;
const HCL_WITH_REMOVED = `${HCL}
removed {
  from = aws_eip.static-ips_eip-eu-west-1c_0FE5F7A7
  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_eip.static-ips_eip-eu-west-1d_9549E109
  lifecycle {
    destroy = false
  }
}
`;

describe('safety blocks of a JSON synthesis and of its HCL export', () => {
  const expected = [
    'aws_eip.static-ips_eip-eu-west-1a_6CA06E9B lifecycle.precondition: Elastic IPs are regional: eu-west-1 only',
    'aws_eip.static-ips_eip-eu-west-1a_6CA06E9B lifecycle.prevent_destroy=true',
    'aws_iam_role.sync_role_EBEAF079 lifecycle.create_before_destroy=true',
    'aws_lambda_function.sync_function_1A2B3C4D lifecycle.ignore_changes=[tags,last_modified]',
    'aws_lambda_function.sync_function_1A2B3C4D lifecycle.replace_triggered_by=[aws_iam_role.sync_role_EBEAF079.id]',
    'check.alb-reachable assert: the ALB has no subnet',
    'data.aws_lb.app lifecycle.postcondition: the ALB must be internal',
    'import aws_eip.static-ips_eip-eu-west-1a_6CA06E9B id=eipalloc-0a1b2c3d4e5f60718',
    'moved aws_eip.static-ip-nlb_eip-subnet-0a1b2c3d_0DC7917B -> aws_eip.static-ips_eip-eu-west-1a_6CA06E9B',
    'output.static_ips.precondition: an address per zone',
    'removed aws_eip.static-ips_eip-eu-west-1c_0FE5F7A7 destroy=false',
    'removed aws_eip.static-ips_eip-eu-west-1d_9549E109 destroy=false',
  ];

  test('lists every kind Terraform honours from the JSON synthesis, one line each', () => {
    expect(safetyBlocksOfJson(JSON_SYNTH)).toEqual(expected);
  });

  test('lists the same lines from the equivalent HCL: quotes, braces, heredocs and comments do not fool it', () => {
    expect(safetyBlocksOfHcl(HCL_WITH_REMOVED)).toEqual(expected);
  });

  test('an export without the removed blocks differs, block by block, and the export refuses it', () => {
    expect(compareSafetyBlocks(expected, safetyBlocksOfHcl(HCL))).toEqual({
      missing: expected.filter((line) => line.startsWith('removed ')),
      extra: [],
    });
    expect(() => expectSafetyBlocksKept('prod', JSON_SYNTH, HCL)).toThrow(
      /the HCL export of prod does not keep[^]*missing: removed aws_eip\.static-ips_eip-eu-west-1c_0FE5F7A7 destroy=false/,
    );
    expect(() => expectSafetyBlocksKept('prod', JSON_SYNTH, HCL_WITH_REMOVED)).not.toThrow();
  });

  test.each([
    [
      'a lifecycle setting',
      HCL_WITH_REMOVED.replace('    prevent_destroy = true\n', ''),
      'aws_eip.static-ips_eip-eu-west-1a_6CA06E9B lifecycle.prevent_destroy=true',
    ],
    ['a precondition', HCL_WITH_REMOVED.replace(/ {4}precondition \{[^}]*\}\n/, ''), expected[0]],
    ['a moved block', HCL_WITH_REMOVED.replace(/moved \{[^}]*\}\n/, ''), expected[8]],
    ['an import block', HCL_WITH_REMOVED.replace(/import \{[^}]*\}\n/, ''), expected[7]],
    ['a changed ignore_changes', HCL_WITH_REMOVED.replace('[tags, last_modified]', '[tags]'), expected[3]],
  ])('an export that lost %s is reported missing', (_, hcl, line) => {
    expect(compareSafetyBlocks(expected, safetyBlocksOfHcl(hcl)).missing).toEqual([line]);
  });

  test('renders exactly the top-level blocks the HCL lacks, as HCL that reads back the same', () => {
    const withoutRemoved = HCL_WITH_REMOVED.replace(REMOVED, '\n');
    const added = missingTopLevelBlocks(JSON_SYNTH, withoutRemoved);
    expect(added).toBe(HCL_WITH_REMOVED.slice(HCL.length + 1));
    expect(safetyBlocksOfHcl(`${withoutRemoved}\n${added}`)).toEqual(expected);
    expect(missingTopLevelBlocks(JSON_SYNTH, HCL_WITH_REMOVED)).toBe('');
  });
});
