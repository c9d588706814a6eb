//! A fork bomb under `cgroups/pids` with `pids:32` is contained, and cleanup kills it all. A
//! test binary of its own: it makes itself the subreaper of the bomb's orphans and reaps them.

mod common;

use common::{config, eventually, host_cgroups, Scratch};
use modkit_ffi::sdk::{Create, Isolator, Parameters};
use modkit_isolators::CgroupsPidsIsolator;
use std::time::Duration;

/// Reaps every exited child (the bomb's orphans end up ours).
fn reap_all() {
    loop {
        // SAFETY: waitpid with a null status pointer is allowed.
        let pid = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
    }
}

#[test]
fn a_fork_bomb_stays_within_pids_max() {
    let Some(cg) = host_cgroups() else { return };
    let Some(mut s) = Scratch::new(&cg, &["pids"]) else {
        return;
    };
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER) only changes this process's reaping role.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let host = s.host(&[]);
    let pids = CgroupsPidsIsolator::create(&host, &Parameters::default()).unwrap();
    pids.prepare("bomb", &config("cpus:1;pids:32")).unwrap();
    let pid = s.spawn_sh("read go; f() { f | f & }; f; exec sleep 1000");
    pids.isolate("bomb", pid).unwrap();
    s.go(0);

    let cgroup = s.cgroup("bomb");
    let mut highest = 0;
    // The kernel counts every fork it refused in pids.events (`max N`): wait for proof that
    // the bomb hit the limit, checking pids.current all along.
    let refused = eventually(Duration::from_secs(60), || {
        let current = cg.pids(&cgroup).current().unwrap_or(0);
        highest = highest.max(current);
        assert!(current <= 32, "pids.current {current} above pids.max");
        cg.read("pids", &cgroup, "pids.events")
            .map(|t| t.split_whitespace().nth(1).unwrap_or("0") != "0")
            .unwrap_or(false)
    });
    assert!(refused, "the bomb never hit pids.max (highest {highest})");
    eprintln!("fork bomb: pids.current peaked at {highest} under pids.max 32");
    let usage = pids.usage("bomb").unwrap();
    assert!(usage.processes.unwrap_or(0) <= 32, "{usage:?}");

    pids.cleanup("bomb").unwrap();
    assert!(!cg.exists("pids", &cgroup), "cgroup left");
    s.assert_nothing_left("bomb");
    reap_all();
}
