//! The listening TCP sockets of a network namespace, from `/proc/<pid>/net/tcp` and `tcp6`
//! (the table of the namespace that process lives in).

use std::collections::HashMap;

/// `st` of a listening socket (`TCP_LISTEN`).
const LISTEN: &str = "0A";

/// Socket inode → local port of every listening socket in one `tcp` or `tcp6` table.
pub fn parse_listening(table: &str, into: &mut HashMap<u64, u16>) {
    // Header first; then `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout
    // inode ...`, addresses as hex `ADDR:PORT` (32 hex digits of address for IPv6).
    for line in table.lines().skip(1) {
        let mut fields = line.split_ascii_whitespace();
        let (Some(_sl), Some(local), Some(_remote), Some(state)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if state != LISTEN {
            continue;
        }
        let Some(inode) = fields.nth(5).and_then(|i| i.parse::<u64>().ok()) else {
            continue;
        };
        let Some(port) = local
            .rsplit_once(':')
            .and_then(|(_, port)| u16::from_str_radix(port, 16).ok())
        else {
            continue;
        };
        // Inode 0: a socket whose owner is gone (being torn down); no process holds it.
        if inode != 0 {
            into.insert(inode, port);
        }
    }
}

/// The inode of a socket descriptor's link target (`socket:[12345]`).
pub fn socket_inode(link: &[u8]) -> Option<u64> {
    let inner = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inner).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1603 1 00000000de0f2089 100 0 0 10 0
   1: 0100007F:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1700 1 0000000000000000 100 0 0 10 0
   2: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 1800 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:A000 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0
   garbage line
";

    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2603 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:2329 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2700 1 0000000000000000 100 0 0 10 0
   2: 00000000000000000000000001000000:2329 00000000000000000000000001000000:D431 01 00000000:00000000 00:00000000 00000000     0        0 2800 1 0000000000000000 20 4 30 10 -1
";

    #[test]
    fn ipv4_listeners_only() {
        let mut found = HashMap::new();
        parse_listening(TCP, &mut found);
        assert_eq!(found, HashMap::from([(1603, 8080), (1700, 9000)]));
    }

    #[test]
    fn ipv6_listeners_only() {
        let mut found = HashMap::new();
        parse_listening(TCP6, &mut found);
        assert_eq!(found, HashMap::from([(2603, 8081), (2700, 9001)]));
    }

    #[test]
    fn both_tables_into_one_map() {
        let mut found = HashMap::new();
        parse_listening(TCP, &mut found);
        parse_listening(TCP6, &mut found);
        assert_eq!(found.len(), 4);
        parse_listening("", &mut found);
        assert_eq!(found.len(), 4);
    }

    #[test]
    fn socket_links() {
        assert_eq!(socket_inode(b"socket:[12345]"), Some(12345));
        assert_eq!(socket_inode(b"pipe:[12345]"), None);
        assert_eq!(socket_inode(b"socket:[]"), None);
        assert_eq!(socket_inode(b"/dev/null"), None);
    }

    #[test]
    fn reads_a_real_listener() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut found = HashMap::new();
        let table = std::fs::read_to_string("/proc/self/net/tcp").unwrap();
        parse_listening(&table, &mut found);
        assert!(
            found.values().any(|p| *p == port),
            "{port} not in {found:?}"
        );
    }
}
