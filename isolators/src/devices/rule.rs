//! Device access rules: Mesos's default allow-list, `--allowed_devices` (Mesos's
//! `DeviceWhitelist` JSON) and the v1 `devices.allow` text form.

use super::DeviceError;
use serde::Deserialize;
use std::fmt;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

/// Character or block device; `All` matches both (v1 `a`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceType {
    All,
    Char,
    Block,
}

/// What a rule grants: open for reading, for writing, and `mknod`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    pub mknod: bool,
}

impl Access {
    pub const RWM: Access = Access {
        read: true,
        write: true,
        mknod: true,
    };
    pub const MKNOD: Access = Access {
        read: false,
        write: false,
        mknod: true,
    };

    /// The kernel's `BPF_DEVCG_ACC_*` bits: mknod 1, read 2, write 4.
    pub fn bits(self) -> u32 {
        u32::from(self.mknod) | (u32::from(self.read) << 1) | (u32::from(self.write) << 2)
    }
}

/// One allow rule; `None` for major or minor is the wildcard `*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeviceRule {
    pub r#type: DeviceType,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub access: Access,
}

impl DeviceRule {
    pub const fn char(major: u32, minor: Option<u32>, access: Access) -> DeviceRule {
        DeviceRule {
            r#type: DeviceType::Char,
            major: Some(major),
            minor,
            access,
        }
    }

    /// The rule for the node at `path` (its type and major:minor, from stat).
    pub fn for_node(path: &Path, access: Access) -> Result<DeviceRule, DeviceError> {
        let (r#type, major, minor) = stat_node(path)?;
        Ok(DeviceRule {
            r#type,
            major: Some(major),
            minor: Some(minor),
            access,
        })
    }
}

/// The type and major:minor of a device node; anything else is an error naming it.
pub fn stat_node(path: &Path) -> Result<(DeviceType, u32, u32), DeviceError> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(|e| DeviceError::Node {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let kind = meta.file_type();
    let r#type = if kind.is_char_device() {
        DeviceType::Char
    } else if kind.is_block_device() {
        DeviceType::Block
    } else {
        return Err(DeviceError::Node {
            path: path.to_path_buf(),
            reason: "not a character or block device".into(),
        });
    };
    let rdev = meta.rdev();
    Ok((r#type, libc::major(rdev), libc::minor(rdev)))
}

/// The v1 `devices.allow` line, e.g. `c 1:3 rwm`, `c 136:* rwm`, `a *:* rwm`.
impl fmt::Display for DeviceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = match self.r#type {
            DeviceType::All => 'a',
            DeviceType::Char => 'c',
            DeviceType::Block => 'b',
        };
        let number = |n: Option<u32>| n.map_or_else(|| "*".to_string(), |n| n.to_string());
        let mut access = String::new();
        for (on, c) in [
            (self.access.read, 'r'),
            (self.access.write, 'w'),
            (self.access.mknod, 'm'),
        ] {
            if on {
                access.push(c);
            }
        }
        write!(
            f,
            "{t} {}:{} {access}",
            number(self.major),
            number(self.minor)
        )
    }
}

/// Mesos's default allow-list for every container: mknod of any node, then the usual
/// character devices (console, tty0/1, pts, ptmx, tun, null, zero, full, tty, urandom, random).
pub const DEFAULT_RULES: [DeviceRule; 14] = [
    DeviceRule {
        r#type: DeviceType::Char,
        major: None,
        minor: None,
        access: Access::MKNOD,
    },
    DeviceRule {
        r#type: DeviceType::Block,
        major: None,
        minor: None,
        access: Access::MKNOD,
    },
    DeviceRule::char(5, Some(1), Access::RWM),
    DeviceRule::char(4, Some(0), Access::RWM),
    DeviceRule::char(4, Some(1), Access::RWM),
    DeviceRule::char(136, None, Access::RWM),
    DeviceRule::char(5, Some(2), Access::RWM),
    DeviceRule::char(10, Some(200), Access::RWM),
    DeviceRule::char(1, Some(3), Access::RWM),
    DeviceRule::char(1, Some(5), Access::RWM),
    DeviceRule::char(1, Some(7), Access::RWM),
    DeviceRule::char(5, Some(0), Access::RWM),
    DeviceRule::char(1, Some(9), Access::RWM),
    DeviceRule::char(1, Some(8), Access::RWM),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Whitelist {
    allowed_devices: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    device: Number,
    #[serde(default)]
    access: Option<AccessJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Number {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    major: Option<u32>,
    #[serde(default)]
    minor: Option<u32>,
    #[serde(default)]
    r#type: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessJson {
    #[serde(default)]
    read: bool,
    #[serde(default)]
    write: bool,
    #[serde(default)]
    mknod: bool,
}

/// `--allowed_devices`: `{"allowed_devices":[{"device":{"path":"/dev/x"}, "access":{...}}]}`,
/// or with `{"major":N,"minor":M,"type":"c"}` for a node that need not exist (no minor: any).
/// A missing `access` grants read, write and mknod.
pub fn parse_allowed_devices(value: &str) -> Result<Vec<DeviceRule>, DeviceError> {
    const FLAG: &str = "allowed_devices";
    let list: Whitelist = serde_json::from_str(value)
        .map_err(|e| DeviceError::flag(FLAG, value, format!("not a device whitelist: {e}")))?;
    let mut rules = Vec::new();
    for (i, entry) in list.allowed_devices.into_iter().enumerate() {
        let access = entry.access.map_or(Access::RWM, |a| Access {
            read: a.read,
            write: a.write,
            mknod: a.mknod,
        });
        if access.bits() == 0 {
            return Err(DeviceError::flag(
                FLAG,
                value,
                format!("entry {i} grants no access (read, write or mknod)"),
            ));
        }
        let d = entry.device;
        let rule = match (&d.path, d.major) {
            (Some(path), None) => DeviceRule::for_node(Path::new(path), access)
                .map_err(|e| DeviceError::flag(FLAG, value, e.to_string()))?,
            (None, Some(major)) => {
                let r#type = match d.r#type.as_deref() {
                    Some("c") | None => DeviceType::Char,
                    Some("b") => DeviceType::Block,
                    Some("a") => DeviceType::All,
                    Some(other) => {
                        return Err(DeviceError::flag(
                            FLAG,
                            value,
                            format!("entry {i}: device type {other:?} is not c, b or a"),
                        ))
                    }
                };
                DeviceRule {
                    r#type,
                    major: Some(major),
                    minor: d.minor,
                    access,
                }
            }
            _ => {
                return Err(DeviceError::flag(
                    FLAG,
                    value,
                    format!("entry {i}: give either a device path or a major number"),
                ))
            }
        };
        rules.push(rule);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_lines() {
        let lines: Vec<String> = DEFAULT_RULES.iter().map(ToString::to_string).collect();
        assert_eq!(lines[0], "c *:* m");
        assert_eq!(lines[1], "b *:* m");
        assert!(lines.contains(&"c 136:* rwm".to_string()));
        assert!(lines.contains(&"c 1:3 rwm".to_string()));
        assert!(lines.contains(&"c 5:2 rwm".to_string()));
        assert_eq!(Access::RWM.bits(), 7);
        assert_eq!(Access::MKNOD.bits(), 1);
    }

    #[test]
    fn allowed_devices_json() {
        let rules = parse_allowed_devices(
            r#"{"allowed_devices":[
                {"device":{"path":"/dev/null"},"access":{"read":true}},
                {"device":{"major":240,"type":"c"},"access":{"read":true,"write":true}},
                {"device":{"major":8,"minor":0,"type":"b"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            rules.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["c 1:3 r", "c 240:* rw", "b 8:0 rwm"]
        );
    }

    #[test]
    fn bad_whitelists_name_the_flag_and_the_reason() {
        let cases = [
            (
                r#"{"allowed_devices":[{"device":{"path":"/no/such/node"}}]}"#,
                "device node /no/such/node: No such file or directory (os error 2)",
            ),
            (
                r#"{"allowed_devices":[{"device":{"path":"/tmp"}}]}"#,
                "device node /tmp: not a character or block device",
            ),
            (
                r#"{"allowed_devices":[{"device":{}}]}"#,
                "entry 0: give either a device path or a major number",
            ),
            (
                r#"{"allowed_devices":[{"device":{"major":1,"type":"x"}}]}"#,
                "entry 0: device type \"x\" is not c, b or a",
            ),
            (
                r#"{"allowed_devices":[{"device":{"major":1},"access":{}}]}"#,
                "entry 0 grants no access",
            ),
            (r#"["/dev/null"]"#, "not a device whitelist"),
        ];
        for (value, reason) in cases {
            let e = parse_allowed_devices(value).unwrap_err().to_string();
            assert!(e.starts_with("flag --allowed_devices="), "{e}");
            assert!(e.contains(reason), "{e} lacks {reason}");
        }
    }
}
