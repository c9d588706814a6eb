//! cgroup v1 and v2 behind one interface: the isolators and the launcher share it, so it lives
//! below both kind crates.
