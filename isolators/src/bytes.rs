//! Sizes printed as Mesos prints `Bytes`: the largest binary unit that loses nothing
//! (`64MB`, `1GB`, `512KB`, `100B`).

/// The text of `bytes` in Mesos's notation.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes == 0 || bytes % 1024 != 0 {
        return format!("{bytes}B");
    }
    let mut value = bytes / 1024;
    let mut unit = 0;
    while unit + 1 < UNITS.len() && value % 1024 == 0 {
        value /= 1024;
        unit += 1;
    }
    format!("{value}{}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_mesos() {
        assert_eq!(format_bytes(0), "0B");
        assert_eq!(format_bytes(100), "100B");
        assert_eq!(format_bytes(1025), "1025B");
        assert_eq!(format_bytes(512 << 10), "512KB");
        assert_eq!(format_bytes(1536 << 10), "1536KB");
        assert_eq!(format_bytes(64 << 20), "64MB");
        assert_eq!(format_bytes(1 << 30), "1GB");
        assert_eq!(format_bytes(3 << 40), "3TB");
        assert_eq!(format_bytes(2048 << 40), "2048TB");
    }
}
