//! A tiny eBPF assembler: only the instructions a device program needs, encoded as the
//! kernel's 8-byte `struct bpf_insn` (code, dst:4 | src:4, off, imm).

/// Opcodes (class | op | source) of `linux/bpf.h`.
pub mod op {
    /// `dst = *(u32 *)(src + off)`
    pub const LDX_W: u8 = 0x61;
    /// `dst &= imm` (64-bit ALU)
    pub const AND_K: u8 = 0x57;
    /// `dst >>= imm`
    pub const RSH_K: u8 = 0x77;
    /// `dst = imm`
    pub const MOV_K: u8 = 0xb7;
    /// `dst = src`
    pub const MOV_X: u8 = 0xbf;
    /// `if dst != imm goto +off`
    pub const JNE_K: u8 = 0x55;
    /// `if dst != src goto +off`
    pub const JNE_X: u8 = 0x5d;
    /// `return r0`
    pub const EXIT: u8 = 0x95;
}

/// One instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u8,
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
}

impl Insn {
    pub const fn ldx_w(dst: u8, src: u8, off: i16) -> Insn {
        Insn {
            code: op::LDX_W,
            dst,
            src,
            off,
            imm: 0,
        }
    }
    pub const fn alu_k(code: u8, dst: u8, imm: i32) -> Insn {
        Insn {
            code,
            dst,
            src: 0,
            off: 0,
            imm,
        }
    }
    pub const fn mov_x(dst: u8, src: u8) -> Insn {
        Insn {
            code: op::MOV_X,
            dst,
            src,
            off: 0,
            imm: 0,
        }
    }
    pub const fn jne_k(dst: u8, imm: i32, off: i16) -> Insn {
        Insn {
            code: op::JNE_K,
            dst,
            src: 0,
            off,
            imm,
        }
    }
    pub const fn jne_x(dst: u8, src: u8, off: i16) -> Insn {
        Insn {
            code: op::JNE_X,
            dst,
            src,
            off,
            imm: 0,
        }
    }
    pub const fn exit() -> Insn {
        Insn {
            code: op::EXIT,
            dst: 0,
            src: 0,
            off: 0,
            imm: 0,
        }
    }

    /// The kernel's little-endian layout (the only one this builder targets: x86-64, arm64).
    pub fn encode(self) -> [u8; 8] {
        let off = self.off.to_le_bytes();
        let imm = self.imm.to_le_bytes();
        [
            self.code,
            (self.dst & 0x0f) | (self.src << 4),
            off[0],
            off[1],
            imm[0],
            imm[1],
            imm[2],
            imm[3],
        ]
    }

    pub fn decode(bytes: [u8; 8]) -> Insn {
        Insn {
            code: bytes[0],
            dst: bytes[1] & 0x0f,
            src: bytes[1] >> 4,
            off: i16::from_le_bytes([bytes[2], bytes[3]]),
            imm: i32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        }
    }
}

/// The whole program as the bytes `BPF_PROG_LOAD` takes.
pub fn encode_all(program: &[Insn]) -> Vec<u8> {
    program.iter().flat_map(|i| i.encode()).collect()
}

pub fn decode_all(bytes: &[u8]) -> Vec<Insn> {
    bytes
        .chunks_exact(8)
        .map(|c| Insn::decode([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_struct_bpf_insn() {
        assert_eq!(
            Insn::ldx_w(2, 1, 4).encode(),
            [0x61, 0x12, 4, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            Insn::jne_k(4, 195, -2).encode(),
            [0x55, 0x04, 0xfe, 0xff, 195, 0, 0, 0]
        );
        assert_eq!(Insn::exit().encode(), [0x95, 0, 0, 0, 0, 0, 0, 0]);
        for insn in [
            Insn::mov_x(1, 3),
            Insn::alu_k(op::AND_K, 2, 0xffff),
            Insn::jne_k(5, -1, 300),
        ] {
            assert_eq!(Insn::decode(insn.encode()), insn);
        }
    }
}
