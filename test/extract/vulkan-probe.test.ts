import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webgpuUnavailableReason } from '../../src/extract/vulkan-probe.js';
import { tempDir } from '../helpers/cli.js';

describe('webgpu provider probe (Linux: Vulkan loader + driver)', () => {
  const dir = tempDir();
  const lib = join(dir, 'lib');
  const icd = join(dir, 'share');
  mkdirSync(lib);
  mkdirSync(join(icd, 'vulkan', 'icd.d'), { recursive: true });
  const empty = { XDG_DATA_DIRS: join(dir, 'none'), XDG_CONFIG_DIRS: join(dir, 'none'), XDG_DATA_HOME: join(dir, 'none') };

  it('other platforms are not probed (Metal, Direct3D)', () => {
    expect(webgpuUnavailableReason({}, 'darwin')).toBeUndefined();
    expect(webgpuUnavailableReason({}, 'win32')).toBeUndefined();
  });
  it('a loader on LD_LIBRARY_PATH (a dpkg -x of libvulkan1, as on the GPU machine) and an ICD manifest: may be tried', () => {
    writeFileSync(join(lib, 'libvulkan.so.1'), '');
    expect(webgpuUnavailableReason({ ...empty, LD_LIBRARY_PATH: lib, VK_ICD_FILENAMES: '/nonexistent.json' }, 'linux')).toMatch(/^no Vulkan driver/);
    writeFileSync(join(icd, 'vulkan', 'icd.d', 'nvidia_icd.json'), '{}');
    expect(webgpuUnavailableReason({ ...empty, LD_LIBRARY_PATH: lib, XDG_DATA_DIRS: icd }, 'linux')).toBeUndefined();
    expect(webgpuUnavailableReason({ ...empty, LD_LIBRARY_PATH: lib, VK_DRIVER_FILES: join(icd, 'vulkan', 'icd.d', 'nvidia_icd.json') }, 'linux')).toBeUndefined();
  });
  it.skipIf(webgpuUnavailableReason({}, 'linux') === undefined)('this machine (no libvulkan1): skipped with the reason', () => {
    expect(webgpuUnavailableReason({ ...empty, LD_LIBRARY_PATH: '' }, 'linux')).toBe('no Vulkan loader (libvulkan.so.1) on this machine (Debian: apt-get install libvulkan1)');
  });
});
