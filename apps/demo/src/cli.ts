// The vgetrandom CLI. For now it prints what the lower layers can see of this host.
import { AT_SYSINFO_EHDR, getauxval, nativeAvailability, pageSize } from '@vgetrandom/sys';

const native = nativeAvailability();
if (!native.available) {
  console.log(`Native calls are unavailable here: ${native.reason}`);
} else {
  const base = getauxval(AT_SYSINFO_EHDR);
  console.log(base === 0n ? 'This process has no vDSO.' : `vDSO mapped at 0x${base.toString(16)}`);
  console.log(`Page size: ${pageSize()} bytes`);
}
