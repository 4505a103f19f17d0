// What gptft reads off a WebGPU adapter: its name, whether it is a software rasteriser (auto skips
// those), and the limits that matter for tensors.

/** The facts about an adapter that gptft reports and decides on. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The adapter says it is a fallback (software) adapter. */
  isFallbackAdapter: boolean;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  features: string[];
}

/** Software implementations of WebGPU / Vulkan / D3D / Metal that compute on the CPU. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|\bwarp\b|microsoft basic/i;

/** Reads an adapter (`GPUAdapter`, with `info` or the older `requestAdapterInfo`). */
export async function summarizeAdapter(adapter: GPUAdapter): Promise<AdapterSummary> {
  const withInfo = adapter as GPUAdapter & {
    info?: GPUAdapterInfo;
    requestAdapterInfo?: () => Promise<GPUAdapterInfo>;
    isFallbackAdapter?: boolean;
  };
  const info = withInfo.info ?? (await withInfo.requestAdapterInfo?.());
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const fallbackFlag =
    (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ?? withInfo.isFallbackAdapter;
  return {
    vendor: text(info?.vendor),
    architecture: text(info?.architecture),
    device: text(info?.device),
    description: text(info?.description),
    isFallbackAdapter: fallbackFlag === true,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    features: [...adapter.features].map(String).sort(),
  };
}

/** One line naming the adapter, e.g. `SwiftShader driver 5.0.0 (google swiftshader)`. */
export function adapterName(a: AdapterSummary): string {
  const what = [a.vendor, a.architecture].filter(Boolean).join(' ');
  const name = a.description || a.device || what || 'unnamed adapter';
  return what && name !== what ? `${name} (${what})` : name;
}

/** Why the adapter is a software one (auto skips it), or undefined for a real GPU. */
export function softwareAdapterReason(a: AdapterSummary): string | undefined {
  const hay = [a.vendor, a.architecture, a.device, a.description].join(' ');
  const match = SOFTWARE.exec(hay);
  if (match) return `the adapter is a software rasteriser (${adapterName(a)})`;
  if (a.isFallbackAdapter) return `the adapter is a fallback (software) adapter (${adapterName(a)})`;
  return undefined;
}
