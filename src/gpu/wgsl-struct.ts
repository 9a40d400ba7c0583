/**
 * Packs a WGSL struct from a named object. The layout is computed from the struct's own
 * declaration in the shader source with WGSL's alignment rules ("Alignment and Size" of the
 * WGSL spec), so a TypeScript driver writes `{ dt, cellSize }` and never a byte offset: a
 * member added, removed or reordered in the shader moves with it, and a value the shader does
 * not declare (or a member left unset) is an error that names it.
 */

/** The scalar kinds a struct member is made of. */
export type WgslScalar = 'f32' | 'u32' | 'i32';

/** One member of a parsed struct. */
export interface WgslMember {
  name: string;
  /** The type as written in the shader (aliases like `vec3f` expanded). */
  type: string;
  /** Byte offset in the struct. */
  offset: number;
  /** Byte size of the member's value (without trailing padding). */
  size: number;
  scalar: WgslScalar;
  /** Scalars per element: 1 for scalars, N for vecN, C*R for matCxR (column-major, padded columns). */
  components: number;
  /** Array length, or 0 for a plain member. */
  arrayLength: number;
  /** Bytes from one array element (or matrix column) to the next. */
  stride: number;
  /** A member that is itself a struct (arrays of structs included): its layout. */
  struct?: WgslStructLayout;
}

/** A value for a member: a number (scalars, booleans as 0/1), or the member's scalars in order. */
export type WgslValue = number | boolean | readonly number[] | ArrayLike<number> | WgslValues | readonly WgslValues[];

/** Values by member name. */
export interface WgslValues {
  [member: string]: WgslValue;
}

interface TypeLayout {
  size: number;
  align: number;
  scalar: WgslScalar;
  components: number;
  /** Column stride of a matrix (bytes), or element stride of a vector (4). */
  stride: number;
  struct?: WgslStructLayout;
}

const SCALARS: Record<string, WgslScalar> = { f32: 'f32', u32: 'u32', i32: 'i32' };
const ALIAS_SUFFIX: Record<string, WgslScalar> = { f: 'f32', u: 'u32', i: 'i32' };

/** Removes comments so that member lists parse cleanly. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

/** `vec3f` -> `vec3<f32>`, `mat4x4f` -> `mat4x4<f32>`; other types unchanged. */
function expandAlias(type: string): string {
  const m = /^(vec[234]|mat[234]x[234])([fui])$/.exec(type);
  return m ? `${m[1]}<${ALIAS_SUFFIX[m[2]]}>` : type;
}

/** Splits `a, b<c, d>, e` at top-level commas. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '<') depth++;
    else if (ch === '>') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * The byte layout of a WGSL struct as the host-shareable (uniform/storage) address spaces
 * lay it out. Build it once per struct with `WgslStructLayout.parse`, then `pack` per write.
 */
export class WgslStructLayout {
  readonly name: string;
  readonly members: readonly WgslMember[];
  /** The struct's size in bytes (a multiple of its alignment). */
  readonly size: number;
  readonly align: number;
  private readonly byName: Map<string, WgslMember>;

  private constructor(name: string, members: WgslMember[], size: number, align: number) {
    this.name = name;
    this.members = members;
    this.size = size;
    this.align = align;
    this.byName = new Map(members.map((m) => [m.name, m]));
  }

  /**
   * The layout of `struct name { ... }` declared in `source` (structs it uses must be declared
   * in `source` too, and so must a `const` that sizes an array). Supported member types: f32,
   * u32, i32, atomic<u32> and atomic<i32>, vecN and matCxR of them (and their `vec3f`-style
   * aliases), fixed-size arrays of those, and nested structs.
   * @throws Error naming the struct and member when a type is not supported or not found
   */
  static parse(source: string, name: string): WgslStructLayout {
    return parseStruct(stripComments(source), name, new Map());
  }

  /** @internal The parser's way in (the constructor is private so layouts come only from source). */
  static fromMembers(name: string, members: WgslMember[], size: number, align: number): WgslStructLayout {
    return new WgslStructLayout(name, members, size, align);
  }

  /** The member called `name`. */
  member(name: string): WgslMember {
    const m = this.byName.get(name);
    if (!m) throw new Error(`WGSL struct ${this.name} has no member '${name}' (members: ${this.members.map((x) => x.name).join(', ')})`);
    return m;
  }

  /** Byte offset of a member (for partial writes of one field, e.g. `writeBuffer(buf, offsetOf('time'), ...)`). */
  offsetOf(name: string): number {
    return this.member(name).offset;
  }

  /**
   * Writes `values` into `out` (a new zeroed buffer of `size` bytes by default) at the
   * members' offsets. Every member must be given except padding (`_pad*` and `_padding*`
   * members, written as 0); a name the struct does not declare is an error.
   */
  pack(values: WgslValues, out: ArrayBuffer = new ArrayBuffer(this.size), byteOffset = 0): ArrayBuffer {
    if (out.byteLength < byteOffset + this.size) {
      throw new RangeError(`WGSL struct ${this.name} needs ${this.size} bytes at offset ${byteOffset}; the buffer has ${out.byteLength}`);
    }
    this.writeInto(new DataView(out), byteOffset, values, this.name);
    return out;
  }

  /** Packs `items` as a tightly strided array (`array<Name>` in a storage buffer), from `byteOffset` of `out`. */
  packArray(items: readonly WgslValues[], out: ArrayBuffer = new ArrayBuffer(Math.max(1, items.length) * this.stride), byteOffset = 0): ArrayBuffer {
    if (out.byteLength < byteOffset + items.length * this.stride) {
      throw new RangeError(`array<${this.name}> of ${items.length} needs ${items.length * this.stride} bytes at offset ${byteOffset}; the buffer has ${out.byteLength}`);
    }
    const view = new DataView(out);
    items.forEach((item, i) => this.writeInto(view, byteOffset + i * this.stride, item, `${this.name}[${i}]`));
    return out;
  }

  /** Bytes between consecutive elements of `array<Name>`. */
  get stride(): number {
    return roundUp(this.size, this.align);
  }

  /** Reads one scalar member (f32, u32, i32 or an atomic of one) of a packed struct. */
  scalar(buffer: ArrayBuffer, name: string, byteOffset = 0): number {
    const m = this.member(name);
    if (m.struct || m.arrayLength || m.components !== 1) throw new Error(`WGSL struct ${this.name}.${name} is a ${m.type}${m.arrayLength ? ` array` : ''}, not a scalar`);
    return readScalar(new DataView(buffer), byteOffset + m.offset, m.scalar);
  }

  /** Reads a packed struct back into named values (numbers for scalars, arrays otherwise). */
  unpack(buffer: ArrayBuffer, byteOffset = 0): Record<string, number | number[]> {
    const view = new DataView(buffer);
    const out: Record<string, number | number[]> = {};
    for (const m of this.members) {
      if (m.struct) continue;
      const values: number[] = [];
      const elements = Math.max(1, m.arrayLength);
      for (let e = 0; e < elements; e++) {
        for (let c = 0; c < m.components; c++) values.push(readScalar(view, byteOffset + scalarOffset(m, e, c), m.scalar));
      }
      out[m.name] = m.arrayLength === 0 && m.components === 1 ? values[0] : values;
    }
    return out;
  }

  private writeInto(view: DataView, base: number, values: WgslValues, path: string): void {
    for (const key of Object.keys(values)) {
      if (!this.byName.has(key)) {
        throw new Error(`${path}: WGSL struct ${this.name} has no member '${key}' (members: ${this.members.map((m) => m.name).join(', ')})`);
      }
    }
    for (const m of this.members) {
      const value = values[m.name];
      const where = `${path}.${m.name}`;
      if (value === undefined) {
        if (/^_pad/.test(m.name)) continue; // padding: left zero
        throw new Error(`${where}: no value given (a ${m.arrayLength ? `array<${m.type}, ${m.arrayLength}>` : m.type})`);
      }
      if (m.struct) {
        const items = m.arrayLength ? value as readonly WgslValues[] : [value as WgslValues];
        if (m.arrayLength && (!Array.isArray(items) || items.length > m.arrayLength)) {
          throw new Error(`${where}: expected up to ${m.arrayLength} ${m.struct.name} values`);
        }
        items.forEach((item, e) => m.struct!.writeInto(view, base + m.offset + e * m.stride, item, m.arrayLength ? `${where}[${e}]` : where));
        continue;
      }
      const flat = flatten(value, where);
      const elements = Math.max(1, m.arrayLength);
      const expected = elements * m.components;
      // Arrays may be given shorter (the rest stays zero); plain members need every scalar.
      if (m.arrayLength ? flat.length > expected : flat.length !== expected) {
        throw new Error(`${where}: expected ${m.arrayLength ? `at most ` : ''}${expected} value${expected === 1 ? '' : 's'} for ${m.arrayLength ? `array<${m.type}, ${m.arrayLength}>` : m.type}, got ${flat.length}`);
      }
      for (let n = 0; n < flat.length; n++) {
        const e = Math.floor(n / m.components);
        const c = n % m.components;
        writeScalar(view, base + scalarOffset(m, e, c), m.scalar, flat[n], where);
      }
    }
  }
}

/** Byte offset (within the struct) of scalar c of element e of a member. */
function scalarOffset(m: WgslMember, e: number, c: number): number {
  if (/^mat/.test(m.type)) {
    const rows = Number(/^mat\dx(\d)/.exec(m.type)![1]);
    const columnStride = rows === 3 ? 16 : rows * 4;
    const matrixStride = m.arrayLength ? m.stride : 0;
    return m.offset + e * matrixStride + Math.floor(c / rows) * columnStride + (c % rows) * 4;
  }
  return m.offset + e * m.stride + c * 4;
}

function flatten(value: WgslValue, where: string): number[] {
  if (typeof value === 'number') return [value];
  if (typeof value === 'boolean') return [value ? 1 : 0];
  if (value && typeof (value as ArrayLike<number>).length === 'number') {
    const arr = Array.from(value as ArrayLike<number>);
    for (const x of arr) if (typeof x !== 'number') throw new Error(`${where}: expected numbers, got ${typeof x}`);
    return arr;
  }
  throw new Error(`${where}: expected a number or an array of numbers`);
}

function writeScalar(view: DataView, at: number, scalar: WgslScalar, v: number, where: string): void {
  if (scalar === 'f32') {
    view.setFloat32(at, v, true);
    return;
  }
  if (!Number.isInteger(v)) throw new Error(`${where}: ${scalar} needs an integer, got ${v}`);
  if (scalar === 'u32') {
    if (v < 0 || v > 0xffffffff) throw new RangeError(`${where}: u32 out of range [0, 4294967295]: ${v}`);
    view.setUint32(at, v, true);
  } else {
    if (v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`${where}: i32 out of range: ${v}`);
    view.setInt32(at, v, true);
  }
}

function readScalar(view: DataView, at: number, scalar: WgslScalar): number {
  if (scalar === 'f32') return view.getFloat32(at, true);
  return scalar === 'u32' ? view.getUint32(at, true) : view.getInt32(at, true);
}

function parseStruct(source: string, name: string, cache: Map<string, WgslStructLayout>): WgslStructLayout {
  const cached = cache.get(name);
  if (cached) return cached;
  const body = new RegExp(`\\bstruct\\s+${name}\\s*\\{([^}]*)\\}`).exec(source)?.[1];
  if (body === undefined) throw new Error(`WGSL struct ${name} is not declared in the given source`);
  const members: WgslMember[] = [];
  let offset = 0;
  let align = 1;
  for (const decl of splitTopLevel(body)) {
    const m = /^(?:@[a-z_]+(?:\([^)]*\))?\s*)*([A-Za-z_]\w*)\s*:\s*(.+)$/.exec(decl);
    if (!m) throw new Error(`WGSL struct ${name}: cannot read member declaration '${decl}'`);
    const memberName = m[1];
    const written = m[2].replace(/\s+/g, '');
    let elementType = written;
    let arrayLength = 0;
    const arr = /^array<(.+),(\w+)>$/.exec(written);
    if (arr) {
      elementType = arr[1];
      arrayLength = arrayLengthOf(source, arr[2], `${name}.${memberName}`);
    } else if (/^array</.test(written)) {
      throw new Error(`WGSL struct ${name}.${memberName}: runtime-sized arrays cannot be packed as a struct member`);
    }
    const type = expandAlias(elementType);
    const t = typeLayout(source, type, cache, `${name}.${memberName}`);
    // Array elements are strided by the element's size rounded to its alignment; in the uniform
    // address space the stride is also rounded to 16 (the struct's caller decides; storage is
    // the looser rule, so a uniform array of f32 must be declared with a 16-byte element).
    const stride = arrayLength ? roundUp(t.size, t.align) : t.stride;
    const size = arrayLength ? stride * arrayLength : t.size;
    offset = roundUp(offset, t.align);
    members.push({
      name: memberName, type, offset, size, scalar: t.scalar, components: t.components, arrayLength,
      stride, ...(t.struct ? { struct: t.struct } : {}),
    });
    offset += size;
    align = Math.max(align, t.align);
  }
  const layout = WgslStructLayout.fromMembers(name, members, roundUp(offset, align), align);
  cache.set(name, layout);
  return layout;
}

/** An array's element count: a literal (`8`, `8u`) or a module-scope `const NAME = 8u;` of the source. */
function arrayLengthOf(source: string, written: string, where: string): number {
  const literal = /^(\d+)[ui]?$/.exec(written);
  if (literal) return Number(literal[1]);
  const declared = new RegExp(`\\bconst\\s+${written}\\s*(?::\\s*[ui]32\\s*)?=\\s*(\\d+)[ui]?\\s*;`).exec(source);
  if (!declared) throw new Error(`WGSL struct member ${where}: array length '${written}' is neither a number nor a const declared in the given source`);
  return Number(declared[1]);
}

function typeLayout(source: string, type: string, cache: Map<string, WgslStructLayout>, where: string): TypeLayout {
  // An atomic has the size and alignment of its scalar (it only differs in how the shader may access it).
  const atomic = /^atomic<([ui]32)>$/.exec(type);
  if (atomic) return typeLayout(source, atomic[1], cache, where);
  const scalar = SCALARS[type];
  if (scalar) return { size: 4, align: 4, scalar, components: 1, stride: 4 };
  const vec = /^vec([234])<(f32|u32|i32)>$/.exec(type);
  if (vec) {
    const n = Number(vec[1]);
    return { size: 4 * n, align: n === 2 ? 8 : 16, scalar: vec[2] as WgslScalar, components: n, stride: 4 };
  }
  const mat = /^mat([234])x([234])<f32>$/.exec(type);
  if (mat) {
    const cols = Number(mat[1]);
    const rows = Number(mat[2]);
    const columnAlign = rows === 2 ? 8 : 16;
    const columnSize = rows === 3 ? 16 : rows * 4;
    return { size: cols * columnSize, align: columnAlign, scalar: 'f32', components: cols * rows, stride: columnSize };
  }
  if (/^[A-Za-z_]\w*$/.test(type) && new RegExp(`\\bstruct\\s+${type}\\s*\\{`).test(source)) {
    const s = parseStruct(source, type, cache);
    return { size: s.size, align: s.align, scalar: 'f32', components: 0, stride: s.size, struct: s };
  }
  throw new Error(`WGSL struct member ${where}: type '${type}' is not supported by the packer (f32/u32/i32, vecN, matCxR<f32>, fixed arrays, structs)`);
}
