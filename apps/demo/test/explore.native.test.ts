// `vgetrandom explore`, as users run it: the command (a file, or a page served on 127.0.0.1),
// and the page itself in Debian's Chromium, headless, driven by playwright-core: every control,
// keyboard stepping, an oracle trace loaded, no request but the page's own, no console error,
// and a screenshot of each profile's pages whose colours are counted against the model.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/vgetrandom.cjs', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const directory = mkdtempSync(join(tmpdir(), 'vgetrandom-explore-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('vgetrandom explore (the command)', () => {
  it('writes one self-contained page and says where', () => {
    const file = join(directory, 'page.html');
    const result = run(['explore', '--scenario', '+3,-t1,+1', '-o', file]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(5 profiles, 6 steps\\)`));
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/\b(?:src|href)=/);
  });

  it.each([
    [['explore', '--scenario', '+1,-t2'], /--scenario: -t2: thread 2 is not running then/],
    [['explore', '--scenario', 'x'], /'x' is not a step/],
    [['explore', '--profiles', 'glibc-2.41,musl'], /--profiles takes names from .* \(got 'musl'\)/],
    [['explore', '--profiles', 'selftest,selftest'], /each profile once/],
    [['explore', '--serve', '-o', 'x.html'], /give --output or --serve, not both/],
    [['explore', '--port', '8080'], /--port applies to --serve/],
    [['explore', '--serve', '--port', '70000'], /--port must be from 0 to 65535/],
    [['explore', '--scenario', '+2001'], /at most 2000/],
  ])('%j is a user error (exit 2) that says what to do', (args, message) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/usage: vgetrandom explore/);
  });

  it('--serve answers on 127.0.0.1 only, the page at / and 404 elsewhere, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'explore', '--serve', '--port', '0', '--scenario', '+2'], { env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before serving: ${output}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('id="explorer-data"');
    expect((await fetch(new URL('/other', url))).status).toBe(404);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

// A PNG as Chromium writes it: 8-bit RGB or RGBA, not interlaced.
function decodePng(png: Buffer): { width: number; height: number; pixel(x: number, y: number): [number, number, number] } {
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0 || (body[9] !== 2 && body[9] !== 6)) throw new Error(`unexpected PNG format: depth ${body[8]}, colour type ${body[9]}, interlace ${body[12]}`);
      channels = body[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x += 1) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const left = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const upLeft = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const paeth = () => {
        const p = left + up - upLeft;
        const [a, b, c] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return a <= b && a <= c ? left : b <= c ? up : upLeft;
      };
      const predicted = [0, left, up, (left + up) >> 1, filter === 4 ? paeth() : 0][filter]!;
      pixels[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [pixels[y * stride + x * channels]!, pixels[y * stride + x * channels + 1]!, pixels[y * stride + x * channels + 2]!] };
}

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

describe.skipIf(!hasChromium)(`the explorer page in Chromium, headless (needs ${CHROMIUM}; .ci/run installs Debian's chromium)`, () => {
  type Browser = import('playwright-core').Browser;
  type Page = import('playwright-core').Page;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];
  const file = join(directory, 'browser.html');
  const scenario = '+22,-t3,-t21,+3';

  beforeAll(async () => {
    const result = run(['explore', '--scenario', scenario, '-o', file]);
    expect(result.status, result.stderr).toBe(0);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 0 });
    page = await browser.newPage({ viewport: { width: 1800, height: 1200 }, deviceScaleFactor: 1 });
    // No wall-clock limit on any wait (Playwright's default is 30 s): the test watchdog bounds a real hang.
    page.setDefaultTimeout(0);
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await page.goto(pathToFileURL(file).href);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const label = () => page.textContent('#step-label');

  it('opens at step 0 with every profile side by side', async () => {
    expect(await label()).toBe('Step 0 of 27: main thread calls');
    expect(await page.locator('section.profile:not([hidden])').count()).toBe(5);
    expect(await page.isDisabled('#back')).toBe(true);
  });

  it('steps with every button and the slider', async () => {
    await page.click('#forward');
    expect(await label()).toBe('Step 1 of 27: t1 starts and calls');
    await page.click('#last');
    expect(await label()).toBe('Step 27 of 27: t25 starts and calls');
    expect(await page.isDisabled('#forward')).toBe(true);
    await page.click('#back');
    expect(await label()).toBe('Step 26 of 27: t24 starts and calls');
    await page.click('#first');
    expect(await label()).toBe('Step 0 of 27: main thread calls');
    await page.fill('#step', '23');
    expect(await label()).toBe('Step 23 of 27: t3 ends');
    // The step's effects and its source are drawn for glibc.
    const glibc = page.locator('#profile-glibc-2\\.41');
    expect(await glibc.textContent()).toContain('__getrandom_vdso_release()');
    expect(await glibc.textContent()).toContain('glibc 2.41');
  });

  it('steps with the keyboard and shows or hides profiles with 1-5', async () => {
    await page.click('h1');
    await page.keyboard.press('Home');
    expect(await label()).toBe('Step 0 of 27: main thread calls');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await label()).toBe('Step 2 of 27: t2 starts and calls');
    await page.keyboard.press('ArrowLeft');
    expect(await label()).toBe('Step 1 of 27: t1 starts and calls');
    await page.keyboard.press('End');
    expect(await label()).toBe('Step 27 of 27: t25 starts and calls');
    await page.keyboard.press('2');
    expect(await page.isHidden('#profile-go-1\\.24')).toBe(true);
    await page.keyboard.press('2');
    expect(await page.isVisible('#profile-go-1\\.24')).toBe(true);
    // The profile check boxes themselves.
    await page.uncheck('#show-selftest');
    expect(await page.isHidden('#profile-selftest')).toBe(true);
    await page.check('#show-selftest');
    // Every control is reachable with Tab (at a middle step, where no button is disabled).
    const reached = new Set<string>();
    await page.click('h1');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    for (let index = 0; index < 20; index += 1) {
      await page.keyboard.press('Tab');
      // Locators run in Playwright's own script: nothing is evaluated against the page's CSP (no 'unsafe-eval').
      const focused = page.locator(':focus');
      reached.add((await focused.count()) === 1 ? ((await focused.getAttribute('id')) ?? '') : '');
    }
    for (const id of ['first', 'back', 'forward', 'last', 'step', 'show-glibc-2.41', 'show-adaptive', 'oracle']) expect(reached, id).toContain(id);
  });

  it('loads an oracle trace and shows the real library beside its profile, and says so when a file is not one', async () => {
    const trace = [{ profile: 'glibc-2.41', implementation: 'glibc 2.41', scenario, steps: Array.from({ length: 28 }, (_, index) => ({ event: `e${index}`, real: { pages: [`p1  real-step-${index}`], stray: 0 }, profile: { pages: [], stray: 0 }, same: true })), differences: 0 }];
    const json = join(directory, 'trace.json');
    writeFileSync(json, JSON.stringify(trace));
    await page.setInputFiles('#oracle', json);
    await page.waitForSelector('[data-real="glibc-2.41"]');
    await page.click('h1');
    await page.keyboard.press('Home');
    expect(await page.textContent('[data-real="glibc-2.41"]')).toContain('p1  real-step-0');
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('[data-real="glibc-2.41"]')).toContain('p1  real-step-1');
    expect(await page.textContent('#oracle-status')).toBe('loaded: glibc 2.41 (glibc-2.41)');
    const bad = join(directory, 'bad.json');
    writeFileSync(bad, '{"not": "a trace"}');
    await page.setInputFiles('#oracle', bad);
    await page.locator('#oracle-status', { hasText: /^could not load/ }).waitFor();
    expect(await page.locator('[data-real]').count()).toBe(0);
  });

  it('draws each profile\'s pages as the model says: a screenshot a profile, its colours counted cell by cell', async () => {
    const data = JSON.parse(await page.textContent('#explorer-data') ?? '{}') as { profiles: Array<{ name: string; steps: Array<{ pages: Array<{ slots: string }> }> }> };
    await page.click('h1');
    await page.keyboard.press('End');
    const colours: Record<string, [number, number, number]> = { h: [0x1f, 0x7a, 0x3a], k: [0xb3, 0x6b, 0x00], f: [0xe6, 0xe6, 0xe6], u: [0x7a, 0x1f, 0x1f] };
    for (const profile of data.profiles) {
      for (const other of data.profiles) await page.setChecked(`#show-${other.name.replace(/\./g, '\\.')}`, other.name === profile.name);
      const png = decodePng(await page.locator(`[data-grid="${profile.name}"]`).screenshot());
      const slots = profile.steps.at(-1)!.pages.map((entry) => entry.slots).join('');
      expect(png.height, profile.name).toBeGreaterThanOrEqual(12 * profile.steps.at(-1)!.pages.length);
      // Each cell is 12 px with a 1 px border: 100 px of its colour inside.
      for (const [mark, rgb] of Object.entries(colours)) {
        let count = 0;
        for (let y = 0; y < png.height; y += 1) for (let x = 0; x < png.width; x += 1) if (png.pixel(x, y).every((value, channel) => value === rgb[channel])) count += 1;
        expect(Math.round(count / 100), `${profile.name}: cells drawn ${mark}`).toBe([...slots].filter((slot) => slot === mark).length);
      }
    }
    for (const other of data.profiles) await page.setChecked(`#show-${other.name.replace(/\./g, '\\.')}`, true);
  });

  it('made no request but the page itself, and logged no error or warning', () => {
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
  });
});
