import * as fs from 'node:fs';
import { REFERENCE_FILE, referenceRows, withReference } from '../scripts/config-reference';

describe('the configuration reference is generated from the schema', () => {
  test('docs/configuration.md carries what the schema generates (else: run npm run docs:config)', () => {
    const document = fs.readFileSync(REFERENCE_FILE, 'utf8');
    const stale = withReference(document) !== document;
    expect(stale ? 'docs/configuration.md is stale: run npm run docs:config' : 'in sync').toBe('in sync');
  });

  test('every field has a row with its type, default and description, nested fields included', () => {
    const rows = new Map(referenceRows().map((row) => [row.field, row]));
    expect(rows.get('routes[].healthCheck.path')).toMatchObject({ required: false, defaultText: '/' });
    expect(rows.get('vpcId')).toMatchObject({ required: true, type: '`string`: a VPC id (vpc-<8 or 17 hex>)' });
    // The backend's options share `type`: one row with every option's value.
    expect(rows.get('backend.type')?.type).toBe("`'local' \\| 's3' \\| 'cloud'`");
    expect(rows.get('sync.maxDeregistrationPercent')?.defaultText).toBe('`50`');
    expect([...rows.values()].filter((row) => row.description === '').map((row) => row.field)).toEqual([]);
  });
});
