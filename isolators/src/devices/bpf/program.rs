//! Builds the `BPF_PROG_TYPE_CGROUP_DEVICE` program for a list of allow rules: deny unless a
//! rule matches, as v1's `devices.deny a` followed by `devices.allow` lines.

use super::asm::{op, Insn};
use crate::devices::{DeviceRule, DeviceType};

/// `BPF_DEVCG_DEV_BLOCK`, `BPF_DEVCG_DEV_CHAR`: the low 16 bits of `access_type`.
pub const DEV_BLOCK: u32 = 1;
pub const DEV_CHAR: u32 = 2;

/// Offsets in `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }`.
const CTX_ACCESS_TYPE: i16 = 0;
const CTX_MAJOR: i16 = 4;
const CTX_MINOR: i16 = 8;

/// Registers: r1 the context (then scratch), r2 type, r3 requested access, r4 major, r5 minor.
const R0: u8 = 0;
const R1: u8 = 1;
const R2: u8 = 2;
const R3: u8 = 3;
const R4: u8 = 4;
const R5: u8 = 5;

/// The instructions of one rule's test: each `jne` jumps past the rule's final `return 1`.
fn rule_block(rule: &DeviceRule) -> Vec<Insn> {
    let mut checks: Vec<(u8, i32, Option<Insn>)> = Vec::new();
    match rule.r#type {
        DeviceType::All => {}
        DeviceType::Char => checks.push((R2, DEV_CHAR as i32, None)),
        DeviceType::Block => checks.push((R2, DEV_BLOCK as i32, None)),
    }
    let bits = rule.access.bits();
    if bits != 7 {
        // Allowed only when the requested access is a subset: (asked & granted) == asked.
        checks.push((R1, 0, Some(Insn::alu_k(op::AND_K, R1, bits as i32))));
    }
    if let Some(major) = rule.major {
        checks.push((R4, major as i32, None));
    }
    if let Some(minor) = rule.minor {
        checks.push((R5, minor as i32, None));
    }
    // Count what follows each check to place the jump just past `mov r0, 1; exit`.
    let mut block = Vec::new();
    let total: usize = checks
        .iter()
        .map(|(_, _, pre)| if pre.is_some() { 3 } else { 1 })
        .sum::<usize>()
        + 2;
    for (reg, value, pre) in checks {
        match pre {
            Some(and) => {
                block.push(Insn::mov_x(R1, R3));
                block.push(and);
                block.push(Insn::jne_x(R1, R3, 0));
            }
            None => block.push(Insn::jne_k(reg, value, 0)),
        }
        let after = total - block.len();
        if let Some(last) = block.last_mut() {
            last.off = after as i16;
        }
    }
    block.push(Insn::alu_k(op::MOV_K, R0, 1));
    block.push(Insn::exit());
    block
}

/// The program: load the context, then one block per rule, then `return 0` (deny).
pub fn build(rules: &[DeviceRule]) -> Vec<Insn> {
    let mut program = vec![
        Insn::ldx_w(R2, R1, CTX_ACCESS_TYPE),
        Insn::alu_k(op::AND_K, R2, 0xffff),
        Insn::ldx_w(R3, R1, CTX_ACCESS_TYPE),
        Insn::alu_k(op::RSH_K, R3, 16),
        Insn::ldx_w(R4, R1, CTX_MAJOR),
        Insn::ldx_w(R5, R1, CTX_MINOR),
    ];
    for rule in rules {
        program.extend(rule_block(rule));
    }
    program.push(Insn::alu_k(op::MOV_K, R0, 0));
    program.push(Insn::exit());
    program
}
