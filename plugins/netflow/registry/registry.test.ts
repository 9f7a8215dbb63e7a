import { describe, expect, it } from 'vitest';
import { lookupElement } from './index.js';
import { snakeCase } from './names.js';

describe('information element registry', () => {
  it('snake-cases IANA names the way Filebeat does', () => {
    expect(snakeCase('sourceIPv4Address')).toBe('source_ipv4_address');
    expect(snakeCase('postNATSourceIPv4Address')).toBe('post_nat_source_ipv4_address');
    expect(snakeCase('selectorIDTotalFlowsObserved')).toBe('selector_id_total_flows_observed');
    expect(snakeCase('flowStartSysUpTime')).toBe('flow_start_sys_up_time');
    expect(snakeCase('dot1qVlanId')).toBe('dot1q_vlan_id');
  });

  it('resolves IANA, reverse, vendor and unknown elements', () => {
    expect(lookupElement(0, 8)).toMatchObject({ name: 'sourceIPv4Address', type: 'ipv4Address' });
    expect(lookupElement(29305, 1)).toMatchObject({ snake: 'reverse_octet_delta_count', type: 'unsigned64' });
    expect(lookupElement(5951, 130).snake).toBe('netscaler_http_req_url');
    expect(lookupElement(6871, 16398).snake).toBe('reverse_initial_tcp_flags');
    expect(lookupElement(0, 40005, true).name).toBe('fwEvent');
    expect(lookupElement(0, 40005).name).toBe('ie40005');
    expect(lookupElement(12345, 7)).toMatchObject({ snake: 'ent12345_7', type: 'octetArray' });
  });
});
