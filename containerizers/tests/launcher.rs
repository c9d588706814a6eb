//! The launcher against the real kernel: run as root (skipped, with the reason, otherwise).
//! Every test waits for or kills what it started (a Drop guard) and checks nothing is left.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use modkit_containerizers::launcher::{
    launch, read_status_file, signal, supervisor_exit_to_task, LaunchError, LaunchSpec, Namespaces,
    Rlimit, RlimitKind, Termination,
};

fn skip_unless_root() -> bool {
    // SAFETY: geteuid has no arguments and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipping: the launcher tests need root");
        return true;
    }
    false
}

/// A sandbox directory, removed even when the test fails.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "modkit-launcher-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&dir).unwrap();
        // Readable by `nobody` whatever the umask.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox { dir }
    }

    fn spec(&self, argv: &[&str]) -> LaunchSpec {
        LaunchSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            env: vec![("PATH".into(), "/usr/sbin:/usr/bin:/sbin:/bin".into())],
            working_dir: self.dir.clone(),
            stdout: self.dir.join("stdout"),
            stderr: self.dir.join("stderr"),
            ..LaunchSpec::default()
        }
    }

    fn stdout(&self) -> String {
        fs::read_to_string(self.dir.join("stdout")).unwrap_or_default()
    }

    fn stderr(&self) -> String {
        fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A launched supervisor: killed and reaped on drop unless the test waited for it.
struct Running {
    pid: i32,
    reaped: bool,
}

impl Running {
    /// The supervisor's own termination.
    fn wait(&mut self) -> Termination {
        let mut status = 0;
        loop {
            // SAFETY: `status` is writable; `pid` is our child.
            let rc = unsafe { libc::waitpid(self.pid, &mut status, 0) };
            if rc == self.pid {
                break;
            }
            let err = std::io::Error::last_os_error();
            assert_eq!(
                err.kind(),
                std::io::ErrorKind::Interrupted,
                "waitpid {}: {err}",
                self.pid
            );
        }
        self.reaped = true;
        Termination::from_wait_status(status)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = signal(self.pid, libc::SIGKILL);
            let mut status = 0;
            // SAFETY: as in `wait`.
            unsafe { libc::waitpid(self.pid, &mut status, 0) };
        }
    }
}

fn start(spec: &LaunchSpec) -> Result<Running, LaunchError> {
    launch(spec, &mut |_| Ok(())).map(|launched| Running {
        pid: launched.pid,
        reaped: false,
    })
}

/// Runs to the end; the task's termination decoded from the supervisor's.
fn run(spec: &LaunchSpec) -> Termination {
    let mut running = start(spec).unwrap_or_else(|err| panic!("launch {:?}: {err}", spec.argv));
    supervisor_exit_to_task(running.wait())
}

/// Neither running nor a zombie of ours.
fn gone(pid: i32) -> bool {
    // SAFETY: signal 0 only checks existence; waitpid with WNOHANG does not block.
    unsafe {
        let alive = libc::kill(pid, 0) == 0;
        let mut status = 0;
        let waitable = libc::waitpid(pid, &mut status, libc::WNOHANG) != -1;
        !alive && !waitable
    }
}

/// Whether this kernel lets us clone into `namespaces`; prints why not.
fn skip_unless_namespaces(namespaces: Namespaces) -> bool {
    let sandbox = Sandbox::new();
    let mut spec = sandbox.spec(&["/bin/true"]);
    spec.namespaces = namespaces;
    match start(&spec) {
        Ok(mut running) => {
            running.wait();
            false
        }
        Err(err) if matches!(err.raw_os_error(), Some(libc::EPERM | libc::EINVAL)) => {
            eprintln!(
                "skipping: namespaces {} unavailable: {err}",
                namespaces.names()
            );
            true
        }
        Err(err) => panic!("probe namespaces {}: {err}", namespaces.names()),
    }
}

fn pid_and_mount() -> Namespaces {
    Namespaces {
        pid: true,
        mount: true,
        ..Namespaces::default()
    }
}

fn wait_for_output(sandbox: &Sandbox, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sandbox.stdout().contains(needle) {
        assert!(
            Instant::now() < deadline,
            "the task never printed {needle:?}; stderr: {}",
            sandbox.stderr()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn exit_codes_and_signals_come_back_through_the_supervisor() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let mut running = start(&sandbox.spec(&["/bin/true"])).unwrap();
    let pid = running.pid;
    assert_eq!(running.wait(), Termination::Exited(0));
    assert!(gone(pid));

    assert_eq!(
        run(&sandbox.spec(&["sh", "-c", "exit 3"])),
        Termination::Exited(3)
    );

    let mut running = start(&sandbox.spec(&["sh", "-c", "kill -9 $$"])).unwrap();
    let supervisor = running.wait();
    assert_eq!(supervisor, Termination::Exited(137));
    assert_eq!(
        supervisor_exit_to_task(supervisor),
        Termination::Signaled(9)
    );
    assert_eq!(
        supervisor_exit_to_task(supervisor).describe(),
        "killed by signal 9 (SIGKILL)"
    );
}

#[test]
fn the_task_gets_its_env_working_dir_and_output_files() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    fs::write(sandbox.dir.join("stdout"), "before\n").unwrap();
    let mut spec = sandbox.spec(&[
        "sh",
        "-c",
        "echo out; echo err >&2; pwd; echo \"$GREETING\"",
    ]);
    spec.env.push(("GREETING".into(), "hello world".into()));
    assert_eq!(run(&spec), Termination::Exited(0));
    assert_eq!(
        sandbox.stdout(),
        format!("before\nout\n{}\nhello world\n", sandbox.dir.display()),
        "stdout is appended to"
    );
    assert_eq!(sandbox.stderr(), "err\n");
    let mode = fs::metadata(sandbox.dir.join("stderr"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o600, 0o600, "stderr mode {mode:o}");
    assert_eq!(mode & 0o133, 0, "stderr mode {mode:o} is at most 0644");

    // Exactly our environment, in our order: nothing of the agent's.
    let sandbox = Sandbox::new();
    spec.argv = vec!["env".into()];
    spec.stdout = sandbox.dir.join("stdout");
    assert_eq!(run(&spec), Termination::Exited(0));
    assert_eq!(
        sandbox.stdout(),
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nGREETING=hello world\n"
    );
}

#[test]
fn the_task_holds_only_stdin_stdout_and_stderr() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    // ls opens one more (3) to read the directory.
    assert_eq!(
        run(&sandbox.spec(&["ls", "/proc/self/fd"])),
        Termination::Exited(0)
    );
    assert_eq!(sandbox.stdout(), "0\n1\n2\n3\n");
    assert_eq!(
        run(&sandbox.spec(&["readlink", "/proc/self/fd/0"])),
        Termination::Exited(0)
    );
    assert!(
        sandbox.stdout().ends_with("/dev/null\n"),
        "{}",
        sandbox.stdout()
    );
}

#[test]
fn a_missing_program_fails_the_launch_and_leaves_nothing() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let mut seen = 0;
    let err = launch(&sandbox.spec(&["/no/such"]), &mut |pid| {
        seen = pid;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "exec '/no/such': No such file or directory (os error 2)"
    );
    assert!(seen > 0 && gone(seen), "supervisor {seen} is left");

    let err = start(&sandbox.spec(&["modkit-no-such-program"]))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "exec 'modkit-no-such-program': No such file or directory (os error 2)"
    );

    let script = sandbox.dir.join("not-executable");
    fs::write(&script, "#!/bin/sh\n").unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o644)).unwrap();
    let err = start(&sandbox.spec(&[script.to_str().unwrap()]))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "exec '{}': Permission denied (os error 13)",
            script.display()
        )
    );
}

#[test]
fn a_bad_working_dir_fails_at_chdir() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let mut spec = sandbox.spec(&["/bin/true"]);
    spec.working_dir = sandbox.dir.join("missing");
    let mut seen = 0;
    let err = launch(&spec, &mut |pid| {
        seen = pid;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "chdir '{}': No such file or directory (os error 2)",
            spec.working_dir.display()
        )
    );
    assert!(gone(seen));
}

#[test]
fn the_task_runs_as_the_asked_user() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let mut spec = sandbox.spec(&["sh", "-c", "id -u; id -g; id -G"]);
    spec.user = Some("nobody".into());
    match run(&spec) {
        Termination::Exited(0) => {}
        other => panic!("{other:?}: {}", sandbox.stderr()),
    }
    let out = sandbox.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"65534"), "{out}");
    assert!(
        !lines.get(2).unwrap_or(&"").split(' ').any(|g| g == "0"),
        "root's group kept: {out}"
    );

    spec.user = Some("modkit-no-such-user".into());
    let err = start(&spec).err().unwrap();
    assert_eq!(err.to_string(), "unknown user 'modkit-no-such-user'");
}

#[test]
fn rlimits_apply_to_the_task() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let mut spec = sandbox.spec(&["sh", "-c", "ulimit -n; ulimit -H -n; ulimit -c"]);
    spec.rlimits = vec![
        Rlimit {
            resource: RlimitKind::Nofile,
            soft: Some(321),
            hard: Some(654),
        },
        Rlimit {
            resource: RlimitKind::Core,
            soft: None,
            hard: None,
        },
    ];
    assert_eq!(run(&spec), Termination::Exited(0));
    assert_eq!(sandbox.stdout(), "321\n654\nunlimited\n");
}

#[test]
fn a_pid_namespace_shows_only_the_container() {
    if skip_unless_root() || skip_unless_namespaces(pid_and_mount()) {
        return;
    }
    let sandbox = Sandbox::new();
    let host_proc_mounts = proc_mounts();
    let mut spec = sandbox.spec(&[
        "sh",
        "-c",
        "echo $$; ls /proc | grep -c '^[0-9]'; ls /proc; cat /proc/1/cmdline",
    ]);
    spec.namespaces = pid_and_mount();
    let mut placed = 0;
    let running = launch(&spec, &mut |pid| {
        placed = pid;
        let ours = fs::read_link("/proc/self/ns/pid").map_err(|e| e.to_string())?;
        let its = fs::read_link(format!("/proc/{pid}/ns/pid")).map_err(|e| e.to_string())?;
        if ours == its {
            return Err(format!(
                "supervisor {pid} shares our pid namespace {ours:?}"
            ));
        }
        Ok(())
    })
    .map(|l| Running {
        pid: l.pid,
        reaped: false,
    });
    let mut running = running.unwrap();
    assert_eq!(running.pid, placed);
    assert_eq!(
        supervisor_exit_to_task(running.wait()),
        Termination::Exited(0)
    );

    let out = sandbox.stdout();
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("2"),
        "the task is the second process: {out}"
    );
    let count: usize = lines
        .next()
        .and_then(|l| l.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(
        (2..=6).contains(&count),
        "{count} processes seen inside: {out}"
    );
    let pids: Vec<u32> = out.lines().skip(2).filter_map(|l| l.parse().ok()).collect();
    let ours = std::process::id();
    assert!(
        !pids.contains(&ours),
        "the host's test process {ours} is visible: {pids:?}"
    );
    assert!(
        pids.iter().all(|pid| *pid < 10),
        "host pids visible: {pids:?}"
    );
    let own_cmdline = fs::read("/proc/self/cmdline").unwrap();
    let own_cmdline = String::from_utf8_lossy(&own_cmdline).replace('\0', "");
    assert!(
        out.replace('\0', "").ends_with(&own_cmdline),
        "pid 1 is the supervisor (a clone of us): {out:?}"
    );

    // The container's /proc did not leak out: ours still shows host pids.
    assert_eq!(proc_mounts(), host_proc_mounts);
    let self_link = fs::read_link("/proc/self").unwrap();
    assert_eq!(self_link, PathBuf::from(ours.to_string()));
    assert!(Path::new(&format!("/proc/{ours}")).exists());
    assert!(gone(placed));
}

fn proc_mounts() -> usize {
    fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.split(' ').nth(4) == Some("/proc"))
        .count()
}

#[test]
fn other_namespaces_are_new() {
    if skip_unless_root() {
        return;
    }
    let namespaces = Namespaces {
        ipc: true,
        uts: true,
        net: true,
        ..Namespaces::default()
    };
    if skip_unless_namespaces(namespaces) {
        return;
    }
    let sandbox = Sandbox::new();
    let mut spec = sandbox.spec(&[
        "readlink",
        "/proc/self/ns/ipc",
        "/proc/self/ns/uts",
        "/proc/self/ns/net",
        "/proc/self/ns/mnt",
    ]);
    spec.namespaces = namespaces;
    assert_eq!(run(&spec), Termination::Exited(0));
    let inside: Vec<String> = sandbox.stdout().lines().map(str::to_string).collect();
    let host: Vec<String> = ["ipc", "uts", "net", "mnt"]
        .iter()
        .map(|ns| {
            fs::read_link(format!("/proc/self/ns/{ns}"))
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(inside.len(), 4, "{inside:?}");
    for i in 0..3 {
        assert_ne!(inside[i], host[i], "namespace not new");
    }
    assert_eq!(inside[3], host[3], "mount namespace was not asked for");
}

#[test]
fn sigterm_to_the_supervisor_reaches_the_task() {
    if skip_unless_root() {
        return;
    }
    for namespaces in [Namespaces::default(), pid_and_mount()] {
        if namespaces.pid && skip_unless_namespaces(namespaces) {
            continue;
        }
        let sandbox = Sandbox::new();
        let mut spec = sandbox.spec(&[
            "sh",
            "-c",
            "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done",
        ]);
        spec.namespaces = namespaces;
        spec.status_file = Some(sandbox.dir.join("status"));
        let mut running = start(&spec).unwrap();
        wait_for_output(&sandbox, "ready");
        signal(running.pid, libc::SIGTERM).unwrap();
        assert_eq!(
            supervisor_exit_to_task(running.wait()),
            Termination::Exited(7),
            "namespaces {}",
            namespaces.names()
        );
        assert_eq!(
            read_status_file(&sandbox.dir.join("status")).unwrap(),
            Some(Termination::Exited(7))
        );
        assert!(gone(running.pid));
    }
}

#[test]
fn the_status_file_holds_the_raw_wait_status() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let status = sandbox.dir.join("status");
    let mut spec = sandbox.spec(&["sh", "-c", "exit 5"]);
    spec.status_file = Some(status.clone());
    let mut running = start(&spec).unwrap();
    running.wait();
    assert_eq!(fs::read_to_string(&status).unwrap(), "1280\n");
    assert_eq!(
        read_status_file(&status).unwrap(),
        Some(Termination::Exited(5))
    );
    assert!(!sandbox.dir.join("status.tmp").exists());

    // The stale file of the first run is gone as soon as the second starts.
    spec.argv = ["sh", "-c", "kill -9 $$"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut running = start(&spec).unwrap();
    running.wait();
    assert_eq!(fs::read_to_string(&status).unwrap(), "9\n");
    assert_eq!(
        read_status_file(&status).unwrap(),
        Some(Termination::Signaled(9))
    );

    assert_eq!(read_status_file(&sandbox.dir.join("absent")).unwrap(), None);
}

#[test]
fn place_sees_a_blocked_supervisor_and_its_failure_leaves_nothing() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let spec = sandbox.spec(&["sh", "-c", "echo started"]);
    let own_cmdline = fs::read("/proc/self/cmdline").unwrap();
    let mut seen = 0;
    let mut running = launch(&spec, &mut |pid| {
        seen = pid;
        let cmdline = fs::read(format!("/proc/{pid}/cmdline")).map_err(|e| e.to_string())?;
        if cmdline != own_cmdline {
            return Err(format!("supervisor {pid} already exec'd: {cmdline:?}"));
        }
        if !sandbox.stdout().is_empty() {
            return Err("the task ran before place".into());
        }
        Ok(())
    })
    .map(|l| Running {
        pid: l.pid,
        reaped: false,
    })
    .unwrap();
    assert_eq!(running.pid, seen);
    assert_eq!(running.wait(), Termination::Exited(0));
    assert_eq!(sandbox.stdout(), "started\n");

    let mut spec = sandbox.spec(&["sh", "-c", "echo should-not-run"]);
    spec.status_file = Some(sandbox.dir.join("status"));
    let err = launch(&spec, &mut |pid| {
        seen = pid;
        Err("cgroup 'modkit/test' is gone".into())
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("place supervisor {seen}: cgroup 'modkit/test' is gone")
    );
    assert!(gone(seen));
    assert!(!sandbox.stdout().contains("should-not-run"));
    assert!(!sandbox.dir.join("status.tmp").exists() && !sandbox.dir.join("status").exists());

    // A panicking `place` unwinds through launch without leaving the supervisor behind.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        launch(&spec, &mut |pid| {
            seen = pid;
            panic!("place panicked");
        })
    }));
    assert!(result.is_err());
    assert!(gone(seen));
}

#[test]
fn the_end_of_a_pid_namespace_supervisor_ends_everything_in_it() {
    if skip_unless_root() || skip_unless_namespaces(pid_and_mount()) {
        return;
    }
    let sandbox = Sandbox::new();
    // The task leaves a background process behind and exits.
    let mut spec = sandbox.spec(&["sh", "-c", "sleep 1000 & echo started"]);
    spec.namespaces = pid_and_mount();
    let mut namespace = PathBuf::new();
    let mut running = launch(&spec, &mut |pid| {
        namespace = fs::read_link(format!("/proc/{pid}/ns/pid")).map_err(|e| e.to_string())?;
        Ok(())
    })
    .map(|l| Running {
        pid: l.pid,
        reaped: false,
    })
    .unwrap();
    assert_eq!(
        supervisor_exit_to_task(running.wait()),
        Termination::Exited(0)
    );
    assert_eq!(sandbox.stdout(), "started\n");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = live_processes_in(&namespace);
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "left in {namespace:?}: {left:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Host pids of the live (not zombie) processes whose pid namespace is `namespace`.
fn live_processes_in(namespace: &Path) -> Vec<u32> {
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read_link(format!("/proc/{pid}/ns/pid")).ok().as_deref() == Some(namespace)
                && !is_zombie(*pid)
        })
        .collect()
}

fn is_zombie(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| stat.rsplit(") ").next().unwrap_or("").starts_with('Z'))
        .unwrap_or(true)
}

#[test]
fn a_killed_supervisor_takes_its_task_with_it() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let mut running = start(&sandbox.spec(&["sh", "-c", "echo $$; exec sleep 1000"])).unwrap();
    wait_for_output(&sandbox, "\n");
    let task: u32 = sandbox.stdout().trim().parse().unwrap();
    signal(running.pid, libc::SIGKILL).unwrap();
    assert_eq!(running.wait(), Termination::Signaled(libc::SIGKILL));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !is_zombie(task) {
        assert!(
            Instant::now() < deadline,
            "task {task} outlived its supervisor"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_supervisors_process_group_holds_the_task_and_its_children() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let spec = sandbox.spec(&["sh", "-c", "sleep 1000 & echo $!; wait"]);
    let mut running = start(&spec).unwrap();
    wait_for_output(&sandbox, "\n");
    let grandchild: u32 = sandbox.stdout().trim().parse().unwrap();
    signal(-running.pid, libc::SIGKILL).unwrap();
    assert_eq!(running.wait(), Termination::Signaled(libc::SIGKILL));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !is_zombie(grandchild) {
        assert!(
            Instant::now() < deadline,
            "{grandchild} is not in the supervisor's group"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn concurrent_launches_do_not_leak_into_each_other() {
    if skip_unless_root() {
        return;
    }
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                let sandbox = Sandbox::new();
                for _ in 0..10 {
                    assert_eq!(run(&sandbox.spec(&["/bin/true"])), Termination::Exited(0));
                }
                assert_eq!(
                    run(&sandbox.spec(&["ls", "/proc/self/fd"])),
                    Termination::Exited(0)
                );
                assert_eq!(sandbox.stdout(), "0\n1\n2\n3\n");
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn launch_to_exit_latency() {
    if skip_unless_root() {
        return;
    }
    let sandbox = Sandbox::new();
    let mut variants = vec![("no namespaces", Namespaces::default())];
    if !skip_unless_namespaces(pid_and_mount()) {
        variants.push(("pid+mount namespaces", pid_and_mount()));
    }
    for (name, namespaces) in variants {
        let mut spec = sandbox.spec(&["/bin/true"]);
        spec.namespaces = namespaces;
        let mut samples: Vec<Duration> = (0..50)
            .map(|_| {
                let started = Instant::now();
                assert_eq!(run(&spec), Termination::Exited(0));
                started.elapsed()
            })
            .collect();
        samples.sort();
        eprintln!(
            "launch -> exit of /bin/true, {name}: median {:?} over {} runs (min {:?}, max {:?})",
            samples[samples.len() / 2],
            samples.len(),
            samples[0],
            samples[samples.len() - 1]
        );
    }
}

/// The cgroup2 mount of a hybrid host (the only place these tests create v2 cgroups).
const UNIFIED: &str = "/sys/fs/cgroup/unified";
const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;

/// Whether `path` is the root of a cgroup2 mount; prints why not.
fn skip_unless_cgroup2(path: &str) -> bool {
    let c_path = std::ffi::CString::new(path).unwrap();
    let mut buf = std::mem::MaybeUninit::<libc::statfs>::zeroed();
    // SAFETY: `c_path` is NUL-terminated and `buf` is writable for one statfs.
    let rc = unsafe { libc::statfs(c_path.as_ptr(), buf.as_mut_ptr()) };
    if rc != 0 {
        eprintln!(
            "skipping: {path} is not a cgroup2 mount: {}",
            std::io::Error::last_os_error()
        );
        return true;
    }
    // SAFETY: statfs succeeded and filled `buf`.
    #[allow(clippy::useless_conversion)] // f_type is i64 on x86_64, narrower elsewhere.
    let magic = i64::from(unsafe { buf.assume_init() }.f_type);
    if magic != CGROUP2_SUPER_MAGIC {
        eprintln!("skipping: {path} is not a cgroup2 mount (magic {magic:#x})");
        return true;
    }
    false
}

/// A cgroup made for one test: emptied (SIGKILL) and removed even when the test fails.
struct TestCgroup {
    path: PathBuf,
    /// As `/proc/<pid>/cgroup` names it: relative to the hierarchy's root.
    name: String,
}

impl TestCgroup {
    fn new(hierarchy: &str) -> TestCgroup {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "modkit-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let path = Path::new(hierarchy).join(&name);
        fs::create_dir(&path).unwrap_or_else(|e| panic!("create cgroup {path:?}: {e}"));
        TestCgroup {
            path,
            name: format!("/{name}"),
        }
    }

    fn procs(&self) -> Vec<i32> {
        fs::read_to_string(self.path.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.trim().parse().ok())
            .collect()
    }

    /// Kills what is left, waits until the cgroup is empty and removes it; true when it is gone.
    fn remove(&self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.path.exists() && Instant::now() < deadline {
            for pid in self.procs() {
                let _ = signal(pid, libc::SIGKILL);
            }
            if fs::remove_dir(&self.path).is_err() {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        !self.path.exists()
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        self.remove();
    }
}

/// The path of `pid`'s cgroup in the hierarchy whose `/proc/<pid>/cgroup` line starts with
/// `prefix` (`0::` for cgroup2, `N:pids:` for the v1 pids controller).
fn cgroup_of(pid: i32, hierarchy: &str) -> Result<String, String> {
    let content = fs::read_to_string(format!("/proc/{pid}/cgroup")).map_err(|e| e.to_string())?;
    content
        .lines()
        .find_map(|line| {
            let (_, rest) = line.split_once(':')?;
            let (controllers, path) = rest.split_once(':')?;
            (controllers == hierarchy).then(|| path.to_string())
        })
        .ok_or_else(|| format!("no '{hierarchy}' line in /proc/{pid}/cgroup: {content:?}"))
}

/// Launches `spec`, checking in `place` that the supervisor is already in `cgroup`.
fn launch_into(spec: &LaunchSpec, cgroup: &TestCgroup, hierarchy: &str) -> Running {
    let mut placed = None;
    let launched = launch(spec, &mut |pid| {
        placed = Some(cgroup_of(pid, hierarchy)?);
        Ok(())
    })
    .unwrap_or_else(|err| panic!("launch {:?} into {:?}: {err}", spec.argv, cgroup.path));
    let running = Running {
        pid: launched.pid,
        reaped: false,
    };
    assert_eq!(placed.as_deref(), Some(cgroup.name.as_str()));
    running
}

#[test]
fn the_supervisor_is_born_in_its_cgroup_v2() {
    if skip_unless_root() || skip_unless_cgroup2(UNIFIED) {
        return;
    }
    let cgroup = TestCgroup::new(UNIFIED);
    let sandbox = Sandbox::new();
    let mut spec = sandbox.spec(&["sh", "-c", "cat /proc/self/cgroup"]);
    spec.cgroup = Some(cgroup.path.clone());
    let mut running = launch_into(&spec, &cgroup, "");
    assert_eq!(
        supervisor_exit_to_task(running.wait()),
        Termination::Exited(0)
    );
    // The task, a child of the supervisor, ran there too.
    assert!(
        sandbox.stdout().contains(&format!("0::{}\n", cgroup.name)),
        "{}",
        sandbox.stdout()
    );
    assert!(gone(running.pid));
    assert_eq!(cgroup.procs(), Vec::<i32>::new());
    assert!(cgroup.remove(), "{:?} is left", cgroup.path);
}

#[test]
fn a_long_running_task_stays_in_its_cgroup_v2_until_killed() {
    if skip_unless_root() || skip_unless_cgroup2(UNIFIED) {
        return;
    }
    let namespaces = if skip_unless_namespaces(pid_and_mount()) {
        Namespaces::default()
    } else {
        pid_and_mount()
    };
    let cgroup = TestCgroup::new(UNIFIED);
    let sandbox = Sandbox::new();
    let mut spec = sandbox.spec(&["sh", "-c", "echo started; exec sleep 1000"]);
    spec.namespaces = namespaces;
    spec.cgroup = Some(cgroup.path.clone());
    let mut running = launch_into(&spec, &cgroup, "");
    wait_for_output(&sandbox, "started\n");
    let procs = cgroup.procs();
    assert_eq!(procs.len(), 2, "supervisor and task, not {procs:?}");
    assert!(procs.contains(&running.pid), "{procs:?}");

    signal(running.pid, libc::SIGKILL).unwrap();
    assert_eq!(running.wait(), Termination::Signaled(libc::SIGKILL));
    // The task dies with its supervisor; then nothing is left and the cgroup can go.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cgroup.procs().is_empty() {
        assert!(
            Instant::now() < deadline,
            "left in {:?}: {:?}",
            cgroup.path,
            cgroup.procs()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(cgroup.remove(), "{:?} is left", cgroup.path);
}

#[test]
fn a_v1_cgroup_is_joined_through_cgroup_procs() {
    // clone3 refuses a v1 directory (EBADF): the launcher falls back to clone and writes the
    // supervisor to cgroup.procs, still before `place`.
    const PIDS: &str = "/sys/fs/cgroup/pids";
    if skip_unless_root() {
        return;
    }
    let v1 = fs::read_to_string("/proc/self/mounts")
        .unwrap_or_default()
        .lines()
        .any(|line| {
            line.split(' ').nth(1) == Some(PIDS) && line.split(' ').nth(2) == Some("cgroup")
        });
    if !v1 {
        eprintln!("skipping: no v1 pids hierarchy at {PIDS}");
        return;
    }
    let cgroup = TestCgroup::new(PIDS);
    let sandbox = Sandbox::new();
    let mut spec = sandbox.spec(&["/bin/true"]);
    spec.cgroup = Some(cgroup.path.clone());
    let mut running = launch_into(&spec, &cgroup, "pids");
    assert_eq!(
        supervisor_exit_to_task(running.wait()),
        Termination::Exited(0)
    );
    assert!(cgroup.remove(), "{:?} is left", cgroup.path);
}

#[test]
fn a_missing_cgroup_fails_the_launch_naming_it_before_any_clone() {
    let sandbox = Sandbox::new();
    let missing = sandbox.dir.join("no-such-cgroup");
    let mut spec = sandbox.spec(&["sh", "-c", "echo should-not-run"]);
    spec.cgroup = Some(missing.clone());
    spec.status_file = Some(sandbox.dir.join("status"));
    let mut placed = false;
    let err = launch(&spec, &mut |_| {
        placed = true;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "open cgroup '{}': No such file or directory (os error 2)",
            missing.display()
        )
    );
    // `place` runs for every supervisor cloned: none was.
    assert!(!placed);
    assert!(!sandbox.stdout().contains("should-not-run"));
}
