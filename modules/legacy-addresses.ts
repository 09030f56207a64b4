import { TerraformResource, type TerraformStack } from 'cdktf';
import type { ResolvedEnvironment } from '../config/defaults';
import { PRIVATE_TARGET_RANGES, cidrIdPart } from './static-ip-nlb';
import { logicalIdAt, pathBelowStack } from './terraform-addresses';

/**
 * `moved` blocks from the addresses version 0.1 gave the resources whose place in the construct tree changed,
 * so that upgrading a deployed stack moves them in the state instead of destroying and recreating them: above
 * all the Elastic IPs (0.1 keyed them by subnet, now by Availability Zone) and the target groups (a new target
 * group is empty until the sync fills it). A `moved` block whose old address is not in the state does nothing.
 */
export function moveFromLegacyAddresses(stack: TerraformStack, environment: ResolvedEnvironment): void {
  const legacyPaths = new Map<string, string>();
  const legacy = (path: string, ...oldPath: string[]): void => void legacyPaths.set(path, logicalIdAt(oldPath));
  const nlb = 'static-ip-nlb';

  if (!environment.nlb) return;
  for (const { availabilityZone, subnetId } of environment.zones) legacy(`static-ips/eip-${availabilityZone}`, nlb, `eip-${subnetId}`);
  for (const route of environment.routes) {
    const port = route.listenerPort;
    legacy(`ip-target-group-${port}/target-group`, nlb, `target-group-${port}`);
    environment.ingressCidrs.forEach((cidr, i) => legacy(`${nlb}/ingress-${port}-${cidrIdPart(cidr)}`, nlb, `ingress-${port}-${i}`));
    PRIVATE_TARGET_RANGES.forEach((cidr, i) => legacy(`${nlb}/egress-${port}-${cidrIdPart(cidr)}`, nlb, `egress-${port}-${i}`));
    legacy(`${nlb}/egress-${port}-${route.alb}`, nlb, `egress-${port}`);
    legacy(`${nlb}/alb-ingress-${port}-${route.alb}`, nlb, `alb-ingress-${port}`);
  }

  for (const node of stack.node.findAll()) {
    if (!TerraformResource.isTerraformResource(node)) continue;
    const resource = node as TerraformResource;
    const path = pathBelowStack(resource, stack).join('/');
    const old = legacyPaths.get(path);
    if (old !== undefined) resource.moveFromId(`${resource.terraformResourceType}.${old}`);
  }
}
