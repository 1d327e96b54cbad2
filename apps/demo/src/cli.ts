// The vgetrandom CLI. Until the full tour lands it prints what the lower layers see.
import { AT_SYSINFO_EHDR, getauxval, nativeAvailability, pageSize } from '@vgetrandom/sys';
import { getrandomSymbolFor, locateVdso } from '@vgetrandom/vdso';

const native = nativeAvailability();
if (!native.available) {
  console.log(`Native calls are unavailable here: ${native.reason}`);
} else {
  console.log(`Page size: ${pageSize()} bytes`);
  const vdso = locateVdso();
  if (vdso === undefined) {
    console.log('This process has no vDSO.');
  } else {
    const wanted = getrandomSymbolFor();
    const { info } = vdso.image;
    console.log(`vDSO at 0x${getauxval(AT_SYSINFO_EHDR).toString(16)}: ${vdso.length} bytes, ${info.elfClass}-bit ${info.machineName}, ${info.hashTable} hash`);
    for (const symbol of vdso.image.symbols()) {
      const marker = symbol.name === wanted?.name ? '  <- vDSO getrandom' : '';
      const version = symbol.version ? `@${symbol.hidden ? '' : '@'}${symbol.version}` : '';
      console.log(`  0x${symbol.value.toString(16).padStart(6, '0')}  ${symbol.bind.padEnd(6)}  ${symbol.name}${version}${marker}`);
    }
  }
}
