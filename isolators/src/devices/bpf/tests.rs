use super::asm::{decode_all, encode_all};
use super::interp::run;
use super::program::{build, DEV_BLOCK, DEV_CHAR};
use crate::devices::{Access, DeviceRule, DeviceType, DEFAULT_RULES};

const MKNOD: u32 = 1;
const READ: u32 = 2;
const WRITE: u32 = 4;

fn ctx(r#type: u32, access: u32) -> u32 {
    (access << 16) | r#type
}

/// Builds, encodes and decodes back, then interprets: what the kernel would load.
fn decide(rules: &[DeviceRule], r#type: u32, access: u32, major: u32, minor: u32) -> bool {
    let bytes = encode_all(&build(rules));
    let program = decode_all(&bytes);
    assert_eq!(program.len() * 8, bytes.len());
    match run(&program, ctx(r#type, access), major, minor) {
        Ok(r0) => r0 == 1,
        Err(e) => panic!("invalid program: {e}"),
    }
}

#[test]
fn no_rules_deny_everything() {
    assert!(!decide(&[], DEV_CHAR, READ, 1, 3));
    assert_eq!(build(&[]).len(), 8);
}

#[test]
fn default_rules_decide_as_v1_would() {
    let cases = [
        // (type, access, major, minor, allowed)
        (DEV_CHAR, READ | WRITE, 1, 3, true),   // null
        (DEV_CHAR, READ, 1, 5, true),           // zero
        (DEV_CHAR, READ, 1, 9, true),           // urandom
        (DEV_CHAR, READ | WRITE, 136, 7, true), // pts/7
        (DEV_CHAR, READ | WRITE, 5, 2, true),   // ptmx
        (DEV_CHAR, READ, 1, 1, false),          // mem
        (DEV_CHAR, READ, 195, 0, false),        // nvidia0
        (DEV_BLOCK, READ, 8, 0, false),         // sda
        (DEV_BLOCK, MKNOD, 8, 0, true),         // mknod is allowed for any node
        (DEV_CHAR, MKNOD, 240, 0, true),
        (DEV_CHAR, MKNOD | READ, 240, 0, false),
        (DEV_BLOCK, READ, 1, 3, false), // a block 1:3 is not /dev/null
    ];
    for (t, access, major, minor, allowed) in cases {
        assert_eq!(
            decide(&DEFAULT_RULES, t, access, major, minor),
            allowed,
            "type {t} access {access} {major}:{minor}"
        );
    }
}

#[test]
fn partial_access_and_wildcards() {
    let rules = [
        DeviceRule::char(
            240,
            None,
            Access {
                read: true,
                write: false,
                mknod: false,
            },
        ),
        DeviceRule {
            r#type: DeviceType::All,
            major: Some(7),
            minor: Some(1),
            access: Access::RWM,
        },
    ];
    assert!(decide(&rules, DEV_CHAR, READ, 240, 0));
    assert!(decide(&rules, DEV_CHAR, READ, 240, 99));
    assert!(!decide(&rules, DEV_CHAR, WRITE, 240, 0));
    assert!(!decide(&rules, DEV_CHAR, READ | WRITE, 240, 0));
    assert!(!decide(&rules, DEV_BLOCK, READ, 240, 0));
    assert!(decide(&rules, DEV_BLOCK, READ | WRITE, 7, 1));
    assert!(decide(&rules, DEV_CHAR, MKNOD, 7, 1));
    assert!(!decide(&rules, DEV_CHAR, READ, 7, 2));
}

#[test]
fn a_granted_gpu_is_allowed_and_its_neighbour_is_not() {
    let mut rules = DEFAULT_RULES.to_vec();
    rules.push(DeviceRule::char(195, Some(0), Access::RWM));
    rules.push(DeviceRule::char(195, Some(255), Access::RWM));
    assert!(decide(&rules, DEV_CHAR, READ | WRITE, 195, 0));
    assert!(decide(&rules, DEV_CHAR, READ | WRITE, 195, 255));
    assert!(!decide(&rules, DEV_CHAR, READ | WRITE, 195, 1));
}
