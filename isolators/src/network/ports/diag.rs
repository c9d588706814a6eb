//! The listening TCP sockets of the agent's own network namespace through sock_diag netlink:
//! the kernel walks only its listening hash, where reading `/proc/net/tcp` walks every bucket
//! of the established hash too (about a millisecond per read however few sockets there are).
//! Each reply also carries the socket's cgroup (v2) id, `INET_DIAG_CGROUP_ID` (Linux 5.9+,
//! sent without being asked for): the cgroup of the task that created the socket, which is how
//! a scan attributes sockets to containers without reading their descriptors.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const TCP_LISTEN: u32 = 10;
/// `INET_DIAG_CGROUP_ID` in `enum inet_diag_attr`: a u64 payload.
const INET_DIAG_CGROUP_ID: u16 = 21;
/// Netlink attribute types carry two flag bits above the type.
const NLA_TYPE_MASK: u16 = 0x3fff;

/// One listening TCP socket of the namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listener {
    pub inode: u64,
    pub port: u16,
    /// The cgroup id of the socket's creator; `None` from kernels without the attribute.
    pub cgroup: Option<u64>,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct NlMsgHdr {
    len: u32,
    kind: u16,
    flags: u16,
    seq: u32,
    pid: u32,
}

/// `struct inet_diag_sockid`: ports and addresses in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SockId {
    sport: u16,
    dport: u16,
    src: [u32; 4],
    dst: [u32; 4],
    interface: u32,
    cookie: [u32; 2],
}

/// `struct inet_diag_req_v2`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Request {
    header: NlMsgHdr,
    family: u8,
    protocol: u8,
    ext: u8,
    pad: u8,
    states: u32,
    id: SockId,
}

/// The head of `struct inet_diag_msg`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Reply {
    family: u8,
    state: u8,
    timer: u8,
    retrans: u8,
    id: SockId,
    expires: u32,
    rqueue: u32,
    wqueue: u32,
    uid: u32,
    inode: u32,
}

/// Every listening TCP socket (IPv4 and IPv6) of this namespace, with its cgroup id.
pub fn listeners(into: &mut Vec<Listener>) -> io::Result<()> {
    // SAFETY: socket has no memory effects; the descriptor is owned below.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            libc::NETLINK_SOCK_DIAG,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    for family in [libc::AF_INET, libc::AF_INET6] {
        dump(&socket, family as u8, into)?;
    }
    Ok(())
}

fn dump(socket: &OwnedFd, family: u8, into: &mut Vec<Listener>) -> io::Result<()> {
    let request = Request {
        header: NlMsgHdr {
            len: std::mem::size_of::<Request>() as u32,
            kind: SOCK_DIAG_BY_FAMILY,
            flags: (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16,
            seq: u32::from(family),
            pid: 0,
        },
        family,
        protocol: libc::IPPROTO_TCP as u8,
        states: 1 << TCP_LISTEN,
        ..Request::default()
    };
    // SAFETY: `request` is a plain C struct of the size given; the kernel fills nothing.
    let sent = unsafe {
        libc::send(
            socket.as_raw_fd(),
            (&request as *const Request).cast(),
            std::mem::size_of::<Request>(),
            0,
        )
    };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    // The kernel fills up to 32 KiB per datagram; room for more saves nothing.
    let mut buffer = vec![0u8; 32 * 1024];
    loop {
        // SAFETY: the buffer is writable for its whole length.
        let received = unsafe {
            libc::recv(
                socket.as_raw_fd(),
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                0,
            )
        };
        if received < 0 {
            return Err(io::Error::last_os_error());
        }
        if received == 0 {
            return Ok(());
        }
        if parse(&buffer[..received as usize], into)? {
            return Ok(());
        }
    }
}

/// Reads a plain C struct at `offset` of `bytes`, if it fits.
fn read<T: Copy + Default>(bytes: &[u8], offset: usize) -> Option<T> {
    let end = offset.checked_add(std::mem::size_of::<T>())?;
    let slice = bytes.get(offset..end)?;
    // SAFETY: `slice` holds size_of::<T>() bytes and T is a plain C struct valid for any
    // bit pattern; read_unaligned needs no alignment.
    Some(unsafe { std::ptr::read_unaligned(slice.as_ptr().cast::<T>()) })
}

/// Adds the sockets of one datagram; true once the dump is complete.
fn parse(bytes: &[u8], into: &mut Vec<Listener>) -> io::Result<bool> {
    let mut offset = 0;
    let header_size = std::mem::size_of::<NlMsgHdr>();
    while let Some(header) = read::<NlMsgHdr>(bytes, offset) {
        let len = header.len as usize;
        if len < header_size {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "sock_diag: a netlink message shorter than its header",
            ));
        }
        match header.kind {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let code = read::<i32>(bytes, offset + header_size).unwrap_or(-libc::EIO);
                return Err(io::Error::from_raw_os_error(-code));
            }
            SOCK_DIAG_BY_FAMILY => {
                let body = offset + header_size;
                let end = (offset + len).min(bytes.len());
                if let Some(reply) = read::<Reply>(bytes, body) {
                    if u32::from(reply.state) == TCP_LISTEN && reply.inode != 0 {
                        let attributes = bytes
                            .get(body + std::mem::size_of::<Reply>()..end)
                            .unwrap_or_default();
                        into.push(Listener {
                            inode: u64::from(reply.inode),
                            port: u16::from_be(reply.id.sport),
                            cgroup: cgroup_id(attributes),
                        });
                    }
                }
            }
            _ => {}
        }
        // Messages are aligned to 4 bytes.
        offset += (len + 3) & !3;
    }
    Ok(false)
}

/// The `INET_DIAG_CGROUP_ID` among the attributes after an `inet_diag_msg`.
fn cgroup_id(attributes: &[u8]) -> Option<u64> {
    let mut offset = 0;
    while let (Some(len), Some(kind)) = (
        read::<u16>(attributes, offset),
        read::<u16>(attributes, offset + 2),
    ) {
        let len = usize::from(len);
        if len < 4 {
            return None;
        }
        if kind & NLA_TYPE_MASK == INET_DIAG_CGROUP_ID && len >= 12 {
            return read::<u64>(attributes, offset + 4);
        }
        offset += (len + 3) & !3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn finds_own_listeners_ipv4_and_ipv6() {
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let v6 = std::net::TcpListener::bind("[::1]:0").ok();
        let mut sockets = Vec::new();
        if let Err(e) = listeners(&mut sockets) {
            eprintln!("skipping: no sock_diag netlink here: {e}");
            return;
        }
        let found: HashMap<u64, u16> = sockets.iter().map(|l| (l.inode, l.port)).collect();
        let ports: Vec<u16> = found.values().copied().collect();
        assert!(
            ports.contains(&v4.local_addr().unwrap().port()),
            "{ports:?}"
        );
        if let Some(v6) = v6 {
            assert!(
                ports.contains(&v6.local_addr().unwrap().port()),
                "{ports:?}"
            );
        }
        // The same inodes /proc reports.
        let mut procfs = HashMap::new();
        for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
            let text = std::fs::read_to_string(table).unwrap_or_default();
            super::super::procnet::parse_listening(&text, &mut procfs);
        }
        let port = v4.local_addr().unwrap().port();
        let by_proc = procfs.iter().find(|(_, p)| **p == port).map(|(i, _)| *i);
        let by_diag = found.iter().find(|(_, p)| **p == port).map(|(i, _)| *i);
        assert_eq!(by_proc, by_diag);
    }

    #[test]
    fn malformed_and_error_messages() {
        let mut into = Vec::new();
        let short = [4u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(parse(&short, &mut into).is_err());
        let mut error = vec![0u8; 20];
        error[0] = 20;
        error[4] = NLMSG_ERROR as u8;
        error[16..20].copy_from_slice(&(-libc::EPERM).to_ne_bytes());
        let e = parse(&error, &mut into).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EPERM));
        let mut done = vec![0u8; 16];
        done[0] = 16;
        done[4] = NLMSG_DONE as u8;
        assert!(parse(&done, &mut into).unwrap());
        assert!(into.is_empty());
    }

    /// A reply as the kernel builds it: header, `inet_diag_msg`, then attributes.
    fn reply(state: u8, port: u16, inode: u32, attributes: &[(u16, &[u8])]) -> Vec<u8> {
        let mut body = vec![0u8; std::mem::size_of::<Reply>()];
        body[0] = libc::AF_INET6 as u8;
        body[1] = state;
        body[4..6].copy_from_slice(&port.to_be_bytes());
        body[68..72].copy_from_slice(&inode.to_ne_bytes());
        for (kind, payload) in attributes {
            let len = 4 + payload.len() as u16;
            body.extend_from_slice(&len.to_ne_bytes());
            body.extend_from_slice(&kind.to_ne_bytes());
            body.extend_from_slice(payload);
            while body.len() % 4 != 0 {
                body.push(0);
            }
        }
        let mut message = vec![0u8; 16];
        message[0..4].copy_from_slice(&(16 + body.len() as u32).to_ne_bytes());
        message[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        message.extend_from_slice(&body);
        message
    }

    #[test]
    fn cgroup_id_attribute_among_others() {
        let id = 0x1234_5678_9abc_u64.to_ne_bytes();
        let mut bytes = reply(
            TCP_LISTEN as u8,
            8080,
            77,
            // SHUTDOWN (u8, padded), SKV6ONLY, then the cgroup id with the nested flag set.
            &[(8, &[0]), (11, &[1]), (INET_DIAG_CGROUP_ID | 0x8000, &id)],
        );
        // Without the attribute (kernels before 5.9), and a socket that is not listening.
        bytes.extend(reply(TCP_LISTEN as u8, 9090, 78, &[(8, &[0])]));
        bytes.extend(reply(1, 7070, 79, &[(INET_DIAG_CGROUP_ID, &id)]));
        // A cgroup id attribute too short to hold one is ignored.
        bytes.extend(reply(
            TCP_LISTEN as u8,
            6060,
            80,
            &[(INET_DIAG_CGROUP_ID, &[1, 2])],
        ));
        let mut into = Vec::new();
        assert!(!parse(&bytes, &mut into).unwrap());
        assert_eq!(
            into,
            [
                Listener {
                    inode: 77,
                    port: 8080,
                    cgroup: Some(0x1234_5678_9abc)
                },
                Listener {
                    inode: 78,
                    port: 9090,
                    cgroup: None
                },
                Listener {
                    inode: 80,
                    port: 6060,
                    cgroup: None
                },
            ]
        );
        // An attribute claiming less than its own header ends the list.
        assert_eq!(cgroup_id(&[2, 0, 21, 0, 1, 2, 3, 4]), None);
        assert_eq!(cgroup_id(&[]), None);
    }

    /// The kernel reports the cgroup (v2) id of the socket's creator: ours, the inode of our
    /// directory in the cgroup2 hierarchy.
    #[test]
    fn own_listener_carries_our_cgroup2_id() {
        use std::os::unix::fs::MetadataExt;
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let Some(mount) = super::super::cgroup::parse_mounts(&mountinfo)
            .into_iter()
            .find(|m| m.options.is_empty())
        else {
            eprintln!("skipping: no cgroup2 mount");
            return;
        };
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        let Some(path) = own.lines().find_map(|l| l.strip_prefix("0::")) else {
            eprintln!("skipping: not in the cgroup2 hierarchy");
            return;
        };
        let Some(relative) = path.strip_prefix(mount.root.trim_end_matches('/')) else {
            eprintln!("skipping: our cgroup2 directory is outside the mount");
            return;
        };
        let dir = mount.mount_point.join(relative.trim_start_matches('/'));
        let id = std::fs::metadata(&dir).unwrap().ino();
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = v4.local_addr().unwrap().port();
        let mut found = Vec::new();
        if let Err(e) = listeners(&mut found) {
            eprintln!("skipping: no sock_diag netlink here: {e}");
            return;
        }
        let ours = found.iter().find(|l| l.port == port).unwrap();
        assert_eq!(ours.cgroup, Some(id), "{} is {id}", dir.display());
    }
}
