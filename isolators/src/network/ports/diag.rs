//! The listening TCP sockets of the agent's own network namespace through sock_diag netlink:
//! the kernel walks only its listening hash, where reading `/proc/net/tcp` walks every bucket
//! of the established hash too (about a millisecond per read however few sockets there are).

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const TCP_LISTEN: u32 = 10;

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

/// Socket inode → port of every listening TCP socket (IPv4 and IPv6) of this namespace.
pub fn listening(into: &mut HashMap<u64, u16>) -> io::Result<()> {
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

fn dump(socket: &OwnedFd, family: u8, into: &mut HashMap<u64, u16>) -> io::Result<()> {
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
fn parse(bytes: &[u8], into: &mut HashMap<u64, u16>) -> io::Result<bool> {
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
                if let Some(reply) = read::<Reply>(bytes, offset + header_size) {
                    if u32::from(reply.state) == TCP_LISTEN && reply.inode != 0 {
                        into.insert(u64::from(reply.inode), u16::from_be(reply.id.sport));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_own_listeners_ipv4_and_ipv6() {
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let v6 = std::net::TcpListener::bind("[::1]:0").ok();
        let mut found = HashMap::new();
        if let Err(e) = listening(&mut found) {
            eprintln!("skipping: no sock_diag netlink here: {e}");
            return;
        }
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
        let mut into = HashMap::new();
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
}
