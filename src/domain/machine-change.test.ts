import { describe, expect, it } from 'vitest';
import { judgeMachineChange } from './machine-change.js';

describe('machine changes', () => {
  it('follows up to two changed properties, three times in a key’s lifetime', () => {
    expect(judgeMachineChange([], 3)).toEqual({ kind: 'same' });
    expect(judgeMachineChange(['hostname'], 0)).toEqual({ kind: 'renegotiate' });
    expect(judgeMachineChange(['macs', 'os'], 2)).toEqual({ kind: 'renegotiate' });
    expect(judgeMachineChange(['hostname'], 3)).toEqual({
      kind: 'refused',
      what: expect.stringMatching(/^hostname differs .*used its 3 automatic renegotiations and stays locked/),
    });
  });

  it('never follows another machine: a new machine id, or three properties at once', () => {
    expect(judgeMachineChange(['machineId'], 0)).toEqual({
      kind: 'refused',
      what: 'machine id differs from the machine the license was activated on',
    });
    expect(judgeMachineChange(['hostname', 'macs', 'cpu'], 0)).toMatchObject({ kind: 'refused' });
  });
});
