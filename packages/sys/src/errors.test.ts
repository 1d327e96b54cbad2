import { describe, expect, it } from 'vitest';
import { SysError, errnoError, errnoName, errnoValue } from './errors.js';

describe('errno names', () => {
  it.skipIf(process.platform !== 'linux')('maps Linux errno values to their names (host is Linux)', () => {
    expect(errnoName(22)).toBe('EINVAL');
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoName(38)).toBe('ENOSYS');
    expect(errnoValue('EFAULT')).toBe(14);
  });

  it('names an unknown errno by its number', () => {
    expect(errnoName(123456)).toBe('E123456');
    expect(errnoValue('ENOTANERRNO')).toBeUndefined();
  });

  it('builds a SysError carrying code, errno and the call', () => {
    const error = errnoError('mmap', errnoValue('ENOMEM')!, 'length 4096');
    expect(error).toBeInstanceOf(SysError);
    expect(error).toMatchObject({ code: 'ENOMEM', errno: errnoValue('ENOMEM'), call: 'mmap', name: 'SysError' });
    expect(error.message).toBe('mmap() failed with ENOMEM (length 4096)');
  });
});
