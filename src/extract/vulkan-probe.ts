/**
 * WebGPU in onnxruntime-node runs on Dawn, which on Linux needs a Vulkan loader (libvulkan.so.1) and
 * a Vulkan driver (an ICD manifest). Where either is missing, creating a webgpu session prints a
 * native "Couldn't load Vulkan" warning to stderr that no flag silences (and then fails). So the
 * provider table asks here first and skips webgpu with a reason instead of trying it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'];
const LOADER = 'libvulkan.so.1';

const split = (list: string | undefined): string[] => (list ?? '').split(':').filter(Boolean);

function hasLoader(env: NodeJS.ProcessEnv): boolean {
  if ([...split(env.LD_LIBRARY_PATH), ...LIBRARY_DIRS].some((d) => existsSync(join(d, LOADER)))) return true;
  try {
    // The dynamic linker's cache lists every library ldconfig knows, by name.
    return readFileSync('/etc/ld.so.cache').includes(LOADER);
  } catch {
    return false;
  }
}

/** Vulkan's driver search (loader docs): explicit files first, then icd.d folders under the XDG dirs. */
function hasDriver(env: NodeJS.ProcessEnv): boolean {
  const files = [...split(env.VK_DRIVER_FILES), ...split(env.VK_ICD_FILENAMES), ...split(env.VK_ADD_DRIVER_FILES)];
  if (files.some((f) => existsSync(f))) return true;
  const roots = [
    ...split(env.XDG_CONFIG_DIRS ?? '/etc/xdg'),
    '/etc',
    join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share')),
    ...split(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share'),
    '/usr/local/share',
    '/usr/share',
  ];
  return roots.some((r) => {
    try {
      return readdirSync(join(r, 'vulkan', 'icd.d')).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/** Why the webgpu provider cannot work on this machine, or undefined when it may be tried. */
export function webgpuUnavailableReason(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'linux') return undefined; // Metal / Direct3D: nothing to probe
  if (!hasLoader(env)) return `no Vulkan loader (${LOADER}) on this machine (Debian: apt-get install libvulkan1)`;
  if (!hasDriver(env)) return 'no Vulkan driver (no ICD manifest in vulkan/icd.d, nor VK_DRIVER_FILES / VK_ICD_FILENAMES)';
  return undefined;
}
