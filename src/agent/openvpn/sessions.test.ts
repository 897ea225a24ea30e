import { describe, expect, it } from 'vitest';
import { Sessions } from './sessions.js';

describe('the sessions of one server', () => {
  it('knows the admitted session of a name only while it is admitted, and the newest one', () => {
    const sessions = new Sessions();
    sessions.set('0', { state: 'admitted', commonName: 'alice' });
    sessions.set('1', { state: 'admitted', commonName: 'alice' });
    expect(sessions.admittedOf('alice')).toBe('1');
    sessions.set('0', { state: 'replaced', commonName: 'alice' });
    expect(sessions.admittedOf('alice')).toBe('1');
    sessions.set('1', { state: 'ended' });
    expect(sessions.admittedOf('alice')).toBeUndefined();
    sessions.set('2', { state: 'admitted', commonName: '' });
    expect(sessions.admittedOf('')).toBeUndefined();
    expect(sessions.clear()).toEqual(['2']);
    expect(sessions.entries()).toEqual([]);
  });

  it('records the clients that change while a record is open, gone ones included', () => {
    const sessions = new Sessions();
    sessions.set('0', { state: 'admitted', commonName: 'alice' });
    const changed = sessions.recordChanges();
    expect(sessions.recording).toBe(true);
    sessions.set('1', { state: 'deciding' });
    sessions.delete('0');
    sessions.delete('7');
    sessions.stopRecording();
    sessions.set('2', { state: 'ended' });
    expect([...changed]).toEqual(['1', '0']);
    expect(sessions.recording).toBe(false);
  });
});
