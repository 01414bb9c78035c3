import { Cpu, Memory } from '../units/index.js';
import type { ComputeResourceProps, ResolvedCompute, ResolvedResources, ResourcesProps } from './common.js';

function compute(p: ComputeResourceProps | undefined): ResolvedCompute {
  return {
    ...(p?.cpu !== undefined ? { cpu: Cpu.parse(p.cpu) } : {}),
    ...(p?.memory !== undefined ? { memory: Memory.parse(p.memory) } : {}),
  };
}

/** Parses validated resource props into typed quantities. */
export function resolveResources(p: ResourcesProps | undefined): ResolvedResources {
  return { limits: compute(p?.limits), requests: compute(p?.requests) };
}
