import { authoritativeServers } from '../lambda/dns/authoritative-servers';
import { aRecords, response, startScriptedDnsServer, type ScriptedDnsServer } from './support/dns-replies';

const NAME = 'internal-app-1.eu-west-1.elb.amazonaws.com';

describe('authoritativeServers via a resolver on 127.0.0.1', () => {
  let resolver: ScriptedDnsServer;
  const asked: string[] = [];
  const ZONE = 'eu-west-1.elb.amazonaws.com';
  beforeAll(async () => {
    resolver = await startScriptedDnsServer((q) => {
      const { name, type } = q.questions![0];
      asked.push(`${type} ${name}`);
      if (type === 'NS' && name === ZONE) {
        return [
          response(q, {
            answers: ['ns-1.awsdns.example', 'ns-2.awsdns.example', 'ns-3.awsdns.example'].map((data) => ({
              type: 'NS',
              name,
              ttl: 60,
              data,
            })),
          }),
        ];
      }
      if (type === 'A' && name === 'ns-1.awsdns.example') return [response(q, { answers: aRecords(name, ['198.51.100.1']) })];
      if (type === 'A' && name === 'ns-2.awsdns.example') return [response(q, { answers: aRecords(name, ['198.51.100.2']) })];
      if (type === 'A' && name === 'ns-3.awsdns.example') return [response(q, { rcode: 2 })];
      if (name.endsWith('broken.example')) return [response(q, { rcode: 2 })];
      return [response(q)]; // NODATA
    });
  });
  afterAll(() => resolver.close());
  const options = () => ({ timeoutMs: 500, resolvers: [`127.0.0.1:${resolver.server.port}`] });

  test('walks up from the ALB name to its zone and returns the name servers that resolve', async () => {
    asked.length = 0;
    expect(await authoritativeServers(NAME, options())).toEqual([
      { host: '198.51.100.1', port: 53 },
      { host: '198.51.100.2', port: 53 },
    ]);
    expect(asked.slice(0, 2)).toEqual([`NS ${NAME}`, `NS ${ZONE}`]);
  });

  test('fails, naming the zone, when the NS lookup fails', async () => {
    await expect(authoritativeServers('alb.broken.example', options())).rejects.toThrow('NS lookup of alb.broken.example failed');
  });
});
