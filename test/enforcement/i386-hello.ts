// A real 32-bit x86 program, built byte by byte: no 32-bit toolchain is needed to test the x86 ABI.

/**
 * A 32-bit x86 program of 118 bytes: write(1, "hi\n", 3) and exit(0) through int 0x80, so the
 * recording must see the x86 ABI beside the x86_64 execve that started it.
 */
export function i386Hello(): Buffer {
  const base = 0x08048000;
  const code = (msg: number) => {
    const b = Buffer.alloc(31);
    let o = 0;
    const mov = (op: number, value: number) => {
      b[o++] = op;
      b.writeUInt32LE(value, o);
      o += 4;
    };
    mov(0xb8, 4); // eax = write
    mov(0xbb, 1); // ebx = stdout
    mov(0xb9, msg); // ecx = message
    mov(0xba, 3); // edx = length
    b[o++] = 0xcd; // int 0x80
    b[o++] = 0x80;
    mov(0xb8, 1); // eax = exit
    b[o++] = 0x31; // xor ebx, ebx
    b[o++] = 0xdb;
    b[o++] = 0xcd;
    b[o++] = 0x80;
    return b;
  };
  const body = Buffer.concat([code(base + 84 + 31), Buffer.from("hi\n")]);
  const total = 84 + body.length;
  const header = Buffer.alloc(84);
  header.write("\x7fELF", 0, "latin1");
  header.set([1, 1, 1], 4); // 32-bit, little-endian, version 1
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(3, 18); // EM_386
  header.writeUInt32LE(1, 20);
  header.writeUInt32LE(base + 84, 24); // entry
  header.writeUInt32LE(52, 28); // program headers
  header.writeUInt16LE(52, 40);
  header.writeUInt16LE(32, 42);
  header.writeUInt16LE(1, 44);
  // PT_LOAD of the whole file, read + execute
  for (const [i, v] of [1, 0, base, base, total, total, 5, 0x1000].entries()) header.writeUInt32LE(v, 52 + 4 * i);
  return Buffer.concat([header, body]);
}
