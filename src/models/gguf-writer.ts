/**
 * A dependency-free GGUF v3 writer: typed metadata, F32 and F16 tensors, 32-byte alignment. Enough
 * to write llama-architecture models that llama.cpp loads, which is how the project's tiny models
 * are exported. The layout: magic `GGUF`, version, tensor and metadata counts (u64), the metadata,
 * the tensor infos (name, dims with ne0 first, type, offset), padding, then the tensor data, each
 * tensor padded to the alignment.
 */

/** GGUF metadata value types, by their numbers in the format. */
const VALUE_TYPE = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;

type ScalarType = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "bool" | "string" | "u64" | "i64" | "f64";

/** A metadata value with its GGUF type; arrays hold scalars of one type. */
export type GgufValue =
  | { type: Exclude<ScalarType, "bool" | "string" | "u64" | "i64">; value: number }
  | { type: "u64" | "i64"; value: number | bigint }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "array"; itemType: "string"; value: readonly string[] }
  | { type: "array"; itemType: Exclude<ScalarType, "string" | "bool" | "u64" | "i64">; value: readonly number[] };

/** ggml tensor types this writer can produce. */
export type GgufTensorType = "f32" | "f16";

const TENSOR_TYPE: Record<GgufTensorType, number> = { f32: 0, f16: 1 };

export interface GgufTensor {
  name: string;
  /**
   * Dimensions in ggml order, fastest-varying first (ne0, ne1, ...). A row-major PyTorch tensor of
   * shape [out, in] is ggml [in, out]: the same bytes, dimensions reversed.
   */
  dims: readonly number[];
  type: GgufTensorType;
  /** Values in row-major order of the reversed dims (i.e. ne0 varies fastest). */
  data: Float32Array;
}

export interface GgufFile {
  /** Metadata in file order. `general.alignment` is added when absent. */
  metadata: ReadonlyArray<readonly [string, GgufValue]>;
  tensors: readonly GgufTensor[];
}

export const GGUF_ALIGNMENT = 32;

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 half-precision bits of a number, rounded to nearest even (as numpy's float16). */
export function float32ToFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** The number a half-precision bit pattern stands for. */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Bytes of a tensor's data (unpadded). */
export function tensorByteLength(t: Pick<GgufTensor, "dims" | "type">): number {
  const n = t.dims.reduce((a, b) => a * b, 1);
  return n * (t.type === "f16" ? 2 : 4);
}

/** Byte size and little-endian writer of each fixed-size scalar type. */
const SCALAR: Record<Exclude<ScalarType, "string">, { size: number; write: (b: Buffer, v: number | bigint | boolean) => void }> = {
  bool: { size: 1, write: (b, v) => b.writeUInt8(v ? 1 : 0) },
  u8: { size: 1, write: (b, v) => b.writeUInt8(v as number) },
  i8: { size: 1, write: (b, v) => b.writeInt8(v as number) },
  u16: { size: 2, write: (b, v) => b.writeUInt16LE(v as number) },
  i16: { size: 2, write: (b, v) => b.writeInt16LE(v as number) },
  u32: { size: 4, write: (b, v) => b.writeUInt32LE(v as number) },
  i32: { size: 4, write: (b, v) => b.writeInt32LE(v as number) },
  f32: { size: 4, write: (b, v) => b.writeFloatLE(v as number) },
  f64: { size: 8, write: (b, v) => b.writeDoubleLE(v as number) },
  u64: { size: 8, write: (b, v) => b.writeBigUInt64LE(BigInt(v as number | bigint)) },
  i64: { size: 8, write: (b, v) => b.writeBigInt64LE(BigInt(v as number | bigint)) },
};

class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    this.scalar("u32", v >>> 0);
  }
  u64(v: number | bigint): void {
    this.scalar("u64", v);
  }
  str(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  scalar(type: ScalarType, v: number | bigint | boolean | string): void {
    if (type === "string") return this.str(v as string);
    const { size, write } = SCALAR[type];
    const b = Buffer.alloc(size);
    write(b, v as number | bigint | boolean);
    this.push(b);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    if (pad > 0) this.push(Buffer.alloc(pad));
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function checkTensor(t: GgufTensor): void {
  if (t.dims.length < 1 || t.dims.length > 4 || t.dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`tensor ${t.name}: dims must be 1 to 4 positive integers, got [${t.dims.join(", ")}]`);
  }
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new RangeError(`tensor ${t.name}: dims [${t.dims.join(", ")}] need ${n} values, got ${t.data.length}`);
}

function tensorBytes(t: GgufTensor): Buffer {
  if (t.type === "f32") {
    const b = Buffer.alloc(t.data.length * 4);
    for (let i = 0; i < t.data.length; i++) b.writeFloatLE(t.data[i] as number, i * 4);
    return b;
  }
  const b = Buffer.alloc(t.data.length * 2);
  for (let i = 0; i < t.data.length; i++) b.writeUInt16LE(float32ToFloat16Bits(t.data[i] as number), i * 2);
  return b;
}

/** Serialise a GGUF v3 file. Throws RangeError on malformed tensors or duplicate names. */
export function writeGguf(file: GgufFile): Buffer {
  const names = new Set<string>();
  for (const t of file.tensors) {
    if (names.has(t.name)) throw new RangeError(`tensor ${t.name} appears twice`);
    names.add(t.name);
    checkTensor(t);
  }
  const keys = new Set<string>();
  for (const [k] of file.metadata) {
    if (keys.has(k)) throw new RangeError(`metadata key ${k} appears twice`);
    keys.add(k);
  }
  const metadata: Array<readonly [string, GgufValue]> = [...file.metadata];
  let alignment = GGUF_ALIGNMENT;
  const declared = metadata.find(([k]) => k === "general.alignment");
  if (declared) alignment = Number(declared[1].value);
  else metadata.push(["general.alignment", { type: "u32", value: GGUF_ALIGNMENT }]);

  const out = new ByteSink();
  out.push(Buffer.from("GGUF", "ascii"));
  out.u32(3);
  out.u64(file.tensors.length);
  out.u64(metadata.length);
  for (const [key, v] of metadata) {
    out.str(key);
    out.u32(VALUE_TYPE[v.type]);
    if (v.type === "array") {
      out.u32(VALUE_TYPE[v.itemType]);
      out.u64(v.value.length);
      for (const item of v.value) out.scalar(v.itemType, item);
    } else {
      out.scalar(v.type, v.value);
    }
  }
  let offset = 0;
  for (const t of file.tensors) {
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(TENSOR_TYPE[t.type]);
    out.u64(offset);
    offset += tensorByteLength(t);
    offset += (alignment - (offset % alignment)) % alignment;
  }
  out.padTo(alignment);
  for (const t of file.tensors) {
    out.push(tensorBytes(t));
    out.padTo(alignment);
  }
  return out.concat();
}
