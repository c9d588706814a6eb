//! A test interpreter for the few instructions the builder emits, so that generated programs
//! are checked by what they decide, not by their exact bytes.

use super::asm::{op, Insn};

/// Runs `program` on a `bpf_cgroup_dev_ctx`; the return value (1 allow, 0 deny), or why the
/// program is invalid.
pub fn run(program: &[Insn], access_type: u32, major: u32, minor: u32) -> Result<u64, String> {
    let ctx = [access_type, major, minor];
    let mut regs = [0u64; 11];
    // r1 points at the context; the interpreter models it as address 0.
    let mut pc = 0usize;
    for _ in 0..10_000 {
        let insn = program.get(pc).ok_or(format!("pc {pc} ran off the end"))?;
        let (d, s) = (insn.dst as usize, insn.src as usize);
        if d > 10 || s > 10 {
            return Err(format!("bad register at {pc}"));
        }
        let mut next = pc + 1;
        match insn.code {
            op::LDX_W => {
                if s != 1 || insn.off % 4 != 0 || !(0..12).contains(&insn.off) {
                    return Err(format!("load outside the context at {pc}"));
                }
                regs[d] = u64::from(ctx[(insn.off / 4) as usize]);
            }
            op::AND_K => regs[d] &= insn.imm as i64 as u64,
            op::RSH_K => regs[d] >>= insn.imm as u32,
            op::MOV_K => regs[d] = insn.imm as i64 as u64,
            op::MOV_X => regs[d] = regs[s],
            op::JNE_K | op::JNE_X => {
                let other = if insn.code == op::JNE_K {
                    insn.imm as i64 as u64
                } else {
                    regs[s]
                };
                if regs[d] != other {
                    next = (pc as i64 + 1 + i64::from(insn.off)) as usize;
                }
            }
            op::EXIT => return Ok(regs[0]),
            other => return Err(format!("unknown opcode {other:#x} at {pc}")),
        }
        pc = next;
    }
    Err("no exit after 10000 steps".into())
}
