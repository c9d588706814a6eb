//! The event-driven simulation of one policy: job submissions and task ends from an event
//! queue, allocation cycles every `interval` on a virtual clock, and the frameworks' answers to
//! offers, all against one allocator module through the `Allocator` trait.
//!
//! Cycles run on the grid k·interval. A cycle is skipped when it cannot offer anything new:
//! when no framework has pending tasks (all are suppressed), or when the previous cycle made no
//! offer and nothing happened since (no submission, task end, or filter reaching its expiry).
//! `skip_idle_cycles: false` runs every cycle instead, for allocators that change on their own.

mod framework;
mod queue;

pub use framework::LOOKAHEAD;

use super::metrics::series::Series;
use super::metrics::{Recorder, RoleInit, Summary};
use super::workload::Workload;
use super::SimulateError;
use framework::{FrameworkState, Pending, Pick};
use modkit_allocators::fast_hash::FastMap;
use modkit_allocators::name_index::NameIndex;
use modkit_ffi::resources::{Resource, Resources, Scalar, Value};
use modkit_ffi::sdk::{Allocator, ModuleError, QuantityBuf};
use queue::EventQueue;
use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

/// How the simulation runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Between allocation cycles, µs (Mesos: 1 s).
    pub interval_us: u64,
    /// Filter installed with each decline (Mesos: 5 s).
    pub refuse_seconds: f64,
    pub skip_idle_cycles: bool,
    /// Resources left out of dominant shares (`--fair_sharing_excluded_resource_names`).
    pub excluded: BTreeSet<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            interval_us: 1_000_000,
            refuse_seconds: 5.0,
            skip_idle_cycles: true,
            excluded: BTreeSet::new(),
        }
    }
}

/// What one policy's run produced.
pub struct Run {
    pub summary: Summary,
    /// Wall-clock seconds of each `allocate` call.
    pub decisions: Vec<f64>,
    pub series: Series,
    /// Resource names of the series' utilization columns.
    pub resources: Vec<String>,
    /// Role names of the series' share and running columns.
    pub roles: Vec<String>,
    /// (seconds, fraction of tasks) of the wait-time distribution.
    pub wait_cdf: Vec<(f64, f64)>,
    pub cycles: u64,
    pub offers: u64,
    /// Task launches plus task ends.
    pub task_events: u64,
    pub wall: Duration,
}

/// Tasks launched together from one offer, ending together.
struct Batch {
    framework: u32,
    agent: u32,
    job: u32,
    group: u32,
    tasks: u64,
    resources: Resources,
}

struct Offered {
    framework: u32,
    agent: u32,
    resources: Resources,
}

/// Consecutive cycles without a launch, with nothing running and nothing to come, after which
/// the run is declared stalled (at least this many; more with many frameworks).
const STALL_CYCLES: u64 = 100;

struct Sim<'a> {
    policy: &'a str,
    w: &'a Workload,
    settings: &'a Settings,
    allocator: &'a mut dyn Allocator,
    names: Vec<String>,
    /// Per task group: `k` thousandths per resource, and its duration.
    shapes: Vec<i64>,
    durations: Vec<u64>,
    group_start: Vec<u32>,
    role_names: Vec<String>,
    frameworks: Vec<FrameworkState>,
    framework_index: NameIndex,
    agent_index: NameIndex,
    queue: EventQueue<u32>,
    batches: Vec<Option<Batch>>,
    free: Vec<u32>,
    job_left: Vec<u64>,
    submits: Vec<u32>,
    cursor: usize,
    pending_total: u64,
    running: u64,
    next_cycle: Option<u64>,
    /// `refuse_seconds` in µs when a decline installs an expiring filter.
    refuse_us: Option<u64>,
    /// Expiry times of the filters installed, in order (one `refuse_seconds` for all).
    expiries: VecDeque<u64>,
    rec: Recorder,
    cycles: u64,
    offers: u64,
    task_events: u64,
    finished: u64,
    makespan: u64,
    idle_cycles: u64,
    /// The clock: the time of the event or cycle being handled.
    now: u64,
    /// Tasks finished at the next progress report.
    next_report: u64,
    /// Declines by a framework left with nothing pending install filters too (only to show,
    /// in a test, that leaving them out changes nothing).
    filter_idle_declines: bool,
    // Reused buffers.
    offered: Vec<Offered>,
    picks: Vec<Pick>,
    avail: Vec<i64>,
    need: Vec<i64>,
    touched: Vec<u32>,
}

fn scalar_names(w: &Workload) -> Vec<String> {
    let mut names = BTreeSet::new();
    for a in &w.agents {
        names.extend(a.resources.scalars().map(|(n, _)| n.to_string()));
    }
    for j in &w.jobs {
        for g in &j.groups {
            names.extend(g.resources.scalars().map(|(n, _)| n.to_string()));
        }
    }
    names.into_iter().collect()
}

/// Names → their place in the list.
fn index<'n>(names: impl Iterator<Item = &'n str>) -> NameIndex {
    let mut index = NameIndex::default();
    for (i, name) in names.enumerate() {
        index.insert(name, i as u32);
    }
    index
}

fn dense(names: &[String], r: &Resources, out: &mut [i64]) {
    out.fill(0);
    for res in r.iter() {
        if let Value::Scalar(s) = &res.value {
            if let Some(k) = names.iter().position(|n| *n == res.name) {
                out[k] += s.milli();
            }
        }
    }
}

impl<'a> Sim<'a> {
    fn new(
        policy: &'a str,
        allocator: &'a mut dyn Allocator,
        w: &'a Workload,
        settings: &'a Settings,
    ) -> Sim<'a> {
        let names = scalar_names(w);
        let k = names.len();
        let roles = w.roles();
        let role_names: Vec<String> = roles.iter().map(|(r, _)| r.clone()).collect();
        let role_index: FastMap<&str, usize> = role_names
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        let role_of = |name: &str| role_index.get(name).copied().unwrap_or(0);
        // Per framework, its role's index.
        let framework_role: Vec<usize> = w.frameworks.iter().map(|f| role_of(&f.role)).collect();
        let mut shapes = Vec::new();
        let mut durations = Vec::new();
        let mut group_start = Vec::with_capacity(w.jobs.len());
        let mut buf = vec![0; k];
        // Per role: Σ count·shape and Σ count, for the mean task shape.
        let mut role_shape = vec![vec![0.0; k]; roles.len()];
        let mut role_tasks = vec![0.0; roles.len()];
        for job in &w.jobs {
            group_start.push(durations.len() as u32);
            let role = framework_role[job.framework];
            for g in &job.groups {
                dense(&names, &g.resources, &mut buf);
                shapes.extend_from_slice(&buf);
                durations.push(g.duration_us);
                for (acc, v) in role_shape[role].iter_mut().zip(&buf) {
                    *acc += *v as f64 * f64::from(g.count);
                }
                role_tasks[role] += f64::from(g.count);
            }
        }
        let mut totals = vec![0; k];
        for a in &w.agents {
            dense(&names, &a.resources, &mut buf);
            for (t, v) in totals.iter_mut().zip(&buf) {
                *t += v;
            }
        }
        let counted = names
            .iter()
            .map(|n| !settings.excluded.contains(n))
            .collect();
        let inits = roles
            .iter()
            .enumerate()
            .map(|(i, (name, weight))| RoleInit {
                name: name.clone(),
                weight: *weight,
                shape: role_shape[i]
                    .iter()
                    .map(|v| v / role_tasks[i].max(1.0))
                    .collect(),
            })
            .collect();
        let mut submits: Vec<u32> = (0..w.jobs.len() as u32).collect();
        submits.sort_by_key(|&j| (w.jobs[j as usize].submit_us, j));
        Sim {
            policy,
            w,
            settings,
            allocator,
            rec: Recorder::new(names.clone(), totals, counted, inits),
            avail: vec![0; k],
            need: vec![0; k],
            names,
            shapes,
            durations,
            group_start,
            frameworks: w
                .frameworks
                .iter()
                .zip(&framework_role)
                .map(|(f, &role)| FrameworkState::new(role, f.max_tasks_per_offer))
                .collect(),
            role_names,
            framework_index: index(w.frameworks.iter().map(|f| f.name.as_str())),
            agent_index: index(w.agents.iter().map(|a| a.name.as_str())),
            queue: EventQueue::new(),
            batches: Vec::new(),
            free: Vec::new(),
            job_left: w.jobs.iter().map(|j| j.tasks()).collect(),
            submits,
            cursor: 0,
            pending_total: 0,
            running: 0,
            next_cycle: None,
            refuse_us: (settings.refuse_seconds > 0.0 && settings.refuse_seconds.is_finite())
                .then(|| (settings.refuse_seconds * 1e6).round() as u64),
            expiries: VecDeque::new(),
            cycles: 0,
            offers: 0,
            task_events: 0,
            finished: 0,
            makespan: 0,
            idle_cycles: 0,
            now: 0,
            next_report: 0,
            filter_idle_declines: false,
            offered: Vec::new(),
            picks: Vec::new(),
            touched: Vec::new(),
        }
    }

    fn fail(&self, call: &str, e: ModuleError) -> SimulateError {
        SimulateError::Allocator {
            policy: self.policy.to_string(),
            call: call.to_string(),
            reason: e.to_string(),
        }
    }

    /// Agents, roles' weights and frameworks (suppressed until their first job) go in.
    fn setup(&mut self) -> Result<(), SimulateError> {
        let w = self.w;
        for a in &w.agents {
            self.allocator
                .add_agent(&a.name, &a.resources, &a.attributes)
                .map_err(|e| self.fail(&format!("add_agent({})", a.name), e))?;
        }
        let roles = w.roles();
        if roles.iter().any(|(_, weight)| *weight != 1.0) {
            let weights = QuantityBuf::from_pairs(roles.iter().map(|(r, w)| (r.as_str(), *w)))
                .map_err(|e| self.fail("update_weights", e))?;
            self.allocator
                .update_weights(weights.view())
                .map_err(|e| self.fail("update_weights", e))?;
        }
        for (i, f) in w.frameworks.iter().enumerate() {
            self.allocator
                .add_framework(&f.name, &[f.role.as_str()], true)
                .map_err(|e| self.fail(&format!("add_framework({})", f.name), e))?;
            self.allocator
                .suppress(&f.name, &[])
                .map_err(|e| self.fail(&format!("suppress({})", f.name), e))?;
            self.frameworks[i].suppressed = true;
        }
        Ok(())
    }

    fn grid_ceil(&self, t: u64) -> u64 {
        let i = self.settings.interval_us.max(1);
        t.div_ceil(i) * i
    }

    /// Something an allocation cycle could act on happened at `t`.
    fn wake(&mut self, t: u64) {
        if self.pending_total > 0 {
            let c = self.grid_ceil(t);
            self.next_cycle = Some(self.next_cycle.map_or(c, |n| n.min(c)));
        }
    }

    fn run(&mut self, progress: &mut dyn FnMut(u64)) -> Result<(), SimulateError> {
        self.setup()?;
        loop {
            let t_end = self.queue.peek_time();
            let t_submit = self
                .submits
                .get(self.cursor)
                .map(|&j| self.w.jobs[j as usize].submit_us);
            let t_event = match (t_end, t_submit) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(c) = self.next_cycle {
                if t_event.map_or(true, |t| c < t) {
                    self.cycle(c)?;
                    continue;
                }
            }
            let Some(t) = t_event else { break };
            self.now = t;
            self.rec.advance(t);
            if t_end == Some(t) {
                self.end(t)?;
                if self.finished >= self.next_report {
                    progress(self.finished);
                    self.next_report = self.finished + 1024;
                }
            } else {
                self.submit(t)?;
            }
        }
        progress(self.finished);
        if self.pending_total > 0 {
            return Err(self.stalled("the allocator made no further offers"));
        }
        Ok(())
    }

    fn stalled(&self, reason: &str) -> SimulateError {
        let first = self
            .frameworks
            .iter()
            .enumerate()
            .find_map(|(i, f)| f.pending.front().map(|p| (i, *p)));
        let detail = match first {
            Some((i, p)) => {
                let job = &self.w.jobs[p.job as usize];
                let group = p.group - self.group_start[p.job as usize];
                format!(
                    "{reason} (first pending: job '{}' of framework '{}', tasks of {})",
                    job.name, self.w.frameworks[i].name, job.groups[group as usize].resources
                )
            }
            None => reason.to_string(),
        };
        SimulateError::Stalled {
            policy: self.policy.to_string(),
            at: self.now as f64 / 1e6,
            pending: self.pending_total,
            reason: detail,
        }
    }

    fn submit(&mut self, t: u64) -> Result<(), SimulateError> {
        let j = self.submits[self.cursor];
        self.cursor += 1;
        let job = &self.w.jobs[j as usize];
        let f = job.framework;
        let start = self.group_start[j as usize];
        let fw = &mut self.frameworks[f];
        for (g, group) in job.groups.iter().enumerate() {
            if group.count > 0 {
                fw.pending.push_back(Pending {
                    job: j,
                    group: start + g as u32,
                    remaining: u64::from(group.count),
                });
            }
        }
        let tasks = job.tasks();
        fw.pending_tasks += tasks;
        self.pending_total += tasks;
        let role = fw.role;
        self.rec.submitted(role, tasks);
        if tasks == 0 {
            self.rec.job_done(0);
            return Ok(());
        }
        if fw.suppressed {
            fw.suppressed = false;
            let name = &self.w.frameworks[f].name;
            self.allocator
                .revive(name, &[])
                .map_err(|e| self.fail(&format!("revive({name})"), e))?;
        }
        self.wake(t);
        Ok(())
    }

    fn end(&mut self, t: u64) -> Result<(), SimulateError> {
        let Some((_, id)) = self.queue.pop() else {
            return Ok(());
        };
        let Some(b) = self.batches[id as usize].take() else {
            return Ok(());
        };
        self.free.push(id);
        if !b.resources.is_empty() {
            self.recover(b.framework, b.agent, &b.resources, 0.0)?;
        }
        let k = self.names.len();
        let start = b.group as usize * k;
        let role = self.frameworks[b.framework as usize].role;
        self.rec
            .finished(role, &self.shapes[start..start + k], b.tasks);
        self.running -= b.tasks;
        self.finished += b.tasks;
        self.task_events += b.tasks;
        let left = &mut self.job_left[b.job as usize];
        *left -= b.tasks;
        if *left == 0 {
            let submit = self.w.jobs[b.job as usize].submit_us;
            self.rec.job_done(t - submit);
        }
        self.makespan = self.makespan.max(t);
        self.wake(t);
        if self.next_cycle.is_none() {
            self.rec.sample();
        }
        Ok(())
    }

    fn cycle(&mut self, c: u64) -> Result<(), SimulateError> {
        self.now = c;
        self.rec.advance(c);
        self.cycles += 1;
        let mut offered = std::mem::take(&mut self.offered);
        offered.clear();
        let started = Instant::now();
        let mut bad: Option<String> = None;
        {
            let (fi, ai, w) = (&self.framework_index, &self.agent_index, self.w);
            let frameworks = &self.frameworks;
            let role_names = &self.role_names;
            self.allocator
                .allocate(c as f64 / 1e6, &mut |o| {
                    let (Some(f), Some(a)) = (fi.get(o.framework), ai.get(o.agent)) else {
                        bad = Some(format!(
                            "offered agent '{}' to framework '{}', one of which is unknown",
                            o.agent, o.framework
                        ));
                        return Err(ModuleError::invalid("unknown framework or agent"));
                    };
                    if o.role != role_names[frameworks[f as usize].role] {
                        bad = Some(format!(
                            "offered agent '{}' to framework '{}' for role '{}', not its role '{}'",
                            o.agent, o.framework, o.role, w.frameworks[f as usize].role
                        ));
                        return Err(ModuleError::invalid("wrong role"));
                    }
                    offered.push(Offered {
                        framework: f,
                        agent: a,
                        resources: o.resources.clone(),
                    });
                    Ok(())
                })
                .map_err(|e| match bad.take() {
                    Some(reason) => SimulateError::Allocator {
                        policy: self.policy.to_string(),
                        call: "allocate".into(),
                        reason,
                    },
                    None => self.fail("allocate", e),
                })?;
        }
        let took = started.elapsed();
        self.rec.decision(took.as_secs_f64());
        let count = offered.len() as u64;
        self.offers += count;
        let mut launched = 0;
        for o in offered.drain(..) {
            launched += self.answer(c, o)?;
        }
        self.offered = offered;
        for f in std::mem::take(&mut self.touched) {
            let fw = &mut self.frameworks[f as usize];
            if fw.pending_tasks == 0 && !fw.suppressed {
                fw.suppressed = true;
                let name = &self.w.frameworks[f as usize].name;
                self.allocator
                    .suppress(name, &[])
                    .map_err(|e| self.fail(&format!("suppress({name})"), e))?;
            }
        }
        self.rec.sample();
        self.schedule_after(c, count);
        if launched > 0 {
            self.idle_cycles = 0;
        } else if self.running == 0
            && self.queue.is_empty()
            && self.cursor == self.submits.len()
            && self.pending_total > 0
        {
            self.idle_cycles += 1;
            let limit = STALL_CYCLES.max(2 * self.frameworks.len() as u64);
            if self.idle_cycles >= limit {
                return Err(self.stalled(&format!(
                    "{limit} cycles in a row launched nothing: no offer fits the pending tasks"
                )));
            }
        }
        Ok(())
    }

    /// Gives `resources` of `framework` on `agent` back to the allocator.
    fn recover(
        &mut self,
        framework: u32,
        agent: u32,
        resources: &Resources,
        refuse: f64,
    ) -> Result<(), SimulateError> {
        let fw = &self.w.frameworks[framework as usize];
        let (name, role) = (fw.name.as_str(), fw.role.as_str());
        let agent = self.w.agents[agent as usize].name.as_str();
        // Not timed: two clock reads per call were several percent of a run.
        self.allocator
            .recover_resources(name, agent, role, resources, refuse)
            .map_err(|e| self.fail(&format!("recover_resources({name}, {agent})"), e))
    }

    /// Sets the next cycle after the one at `c`, which made `offers` offers (when cycles are
    /// skipped: see the module's doc).
    fn schedule_after(&mut self, c: u64, offers: u64) {
        let interval = self.settings.interval_us.max(1);
        let more = self.pending_total > 0;
        self.next_cycle = if !self.settings.skip_idle_cycles {
            let left = more || !self.queue.is_empty() || self.cursor < self.submits.len();
            left.then_some(c + interval)
        } else if !more {
            None
        } else if offers > 0 {
            Some(c + interval)
        } else {
            while self.expiries.front().is_some_and(|e| *e <= c) {
                self.expiries.pop_front();
            }
            self.expiries
                .front()
                .map(|e| self.grid_ceil(*e).max(c + interval))
        };
    }

    /// The framework's answer to one offer: launch what fits, decline the rest. Returns the
    /// tasks launched.
    fn answer(&mut self, c: u64, o: Offered) -> Result<u64, SimulateError> {
        let k = self.names.len();
        dense(&self.names, &o.resources, &mut self.avail);
        let mut picks = std::mem::take(&mut self.picks);
        picks.clear();
        let f = o.framework as usize;
        self.frameworks[f].choose(&mut self.avail, &self.shapes, &mut picks);
        self.touched.push(o.framework);
        let role = self.frameworks[f].role;
        let mut left = o.resources;
        let mut launched = 0;
        for p in &picks {
            let start = p.group as usize * k;
            for (n, s) in self.need.iter_mut().zip(&self.shapes[start..start + k]) {
                *n = s * p.tasks as i64;
            }
            let part = take_part(&mut left, &self.names, &mut self.need);
            let batch = Batch {
                framework: o.framework,
                agent: o.agent,
                job: p.job,
                group: p.group,
                tasks: p.tasks,
                resources: part,
            };
            let id = match self.free.pop() {
                Some(id) => {
                    self.batches[id as usize] = Some(batch);
                    id
                }
                None => {
                    self.batches.push(Some(batch));
                    (self.batches.len() - 1) as u32
                }
            };
            self.queue.push(c + self.durations[p.group as usize], id);
            let submit = self.w.jobs[p.job as usize].submit_us;
            self.rec
                .launched(role, &self.shapes[start..start + k], p.tasks, c - submit);
            launched += p.tasks;
        }
        self.picks = picks;
        self.pending_total -= launched;
        self.running += launched;
        self.task_events += launched;
        if !left.is_empty() {
            // With nothing left pending the framework suppresses before the next cycle, and
            // reviving clears its filters: a filter could never act, so none is installed.
            let filtered = self.frameworks[f].pending_tasks > 0 || self.filter_idle_declines;
            let refuse = if filtered {
                self.settings.refuse_seconds
            } else {
                0.0
            };
            self.recover(o.framework, o.agent, &left, refuse)?;
            if let (true, Some(us)) = (filtered, self.refuse_us) {
                self.expiries.push_back(c + us);
            }
        }
        Ok(launched)
    }
}

/// Takes `need` (thousandths per name, zeroed as it is met) out of `left`, from its entries in
/// order whatever their reservation, and returns what was taken.
fn take_part(left: &mut Resources, names: &[String], need: &mut [i64]) -> Resources {
    let mut part = Resources::new();
    for r in left.iter() {
        let Value::Scalar(s) = &r.value else { continue };
        let Some(k) = names.iter().position(|n| *n == r.name) else {
            continue;
        };
        let t = s.milli().min(need[k]);
        if t > 0 {
            need[k] -= t;
            // Same name and reservation as an entry of a valid collection: cannot be refused.
            let _ = part.insert(Resource {
                name: r.name.clone(),
                value: Value::Scalar(Scalar::from_milli(t)),
                role: r.role.clone(),
            });
        }
    }
    *left -= &part;
    part
}

/// Runs `w` against `allocator` (fresh, not yet told anything) and measures it.
pub fn simulate(
    policy: &str,
    allocator: &mut dyn Allocator,
    w: &Workload,
    settings: &Settings,
    progress: &mut dyn FnMut(u64),
) -> Result<Run, SimulateError> {
    simulate_with(policy, allocator, w, settings, progress, false)
}

fn simulate_with(
    policy: &str,
    allocator: &mut dyn Allocator,
    w: &Workload,
    settings: &Settings,
    progress: &mut dyn FnMut(u64),
    filter_idle_declines: bool,
) -> Result<Run, SimulateError> {
    let started = Instant::now();
    let mut sim = Sim::new(policy, allocator, w, settings);
    sim.filter_idle_declines = filter_idle_declines;
    sim.run(progress)?;
    let (cycles, offers, task_events, makespan) =
        (sim.cycles, sim.offers, sim.task_events, sim.makespan);
    let roles = sim.role_names.clone();
    let done = sim.rec.finish(makespan);
    Ok(Run {
        summary: done.summary,
        decisions: done.decisions,
        series: done.series,
        resources: done.resources,
        wait_cdf: done.wait_cdf,
        roles,
        cycles,
        offers,
        task_events,
        wall: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::generator::{generate, GeneratorOptions};
    use crate::simulate::{base_flags, builtin_modules, parse_policies};

    /// A framework left with nothing pending suppresses before the next cycle and reviving
    /// clears its filters, so the filters its declines would install can never act: leaving
    /// them out gives the same placements, shares and times, with fewer filters to keep.
    #[test]
    fn declines_of_a_framework_with_nothing_pending_need_no_filter() {
        let w = generate(&GeneratorOptions {
            frameworks: 6,
            jobs: 300,
            seed: 5,
            agents: 12,
            agent_resources: Resources::parse("cpus:8;mem:16384").unwrap(),
            mean_tasks: 6.0,
            mean_duration: 30.0,
            load: 0.95,
            max_tasks: None,
            max_tasks_per_offer: None,
        })
        .unwrap();
        let settings = Settings::default();
        let base = base_flags(3, &settings);
        let registry = builtin_modules(base.clone()).unwrap();
        for policy in
            parse_policies("drf,asset,drf:random", registry.registry(), "hierarchical").unwrap()
        {
            let mut runs = [false, true].map(|filter| {
                let (_m, mut allocator) = policy.create(&base, &builtin_modules).unwrap();
                simulate_with(
                    &policy.name,
                    &mut *allocator,
                    &w,
                    &settings,
                    &mut |_| {},
                    filter,
                )
                .unwrap()
            });
            let [without, with] = &mut runs;
            assert_eq!(without.summary, with.summary, "policy {}", policy.name);
            assert_eq!(
                (without.offers, without.task_events),
                (with.offers, with.task_events),
                "policy {}",
                policy.name
            );
            assert!(without.task_events > 3_000, "{}", without.task_events);
        }
    }

    #[test]
    fn take_part_splits_reserved_and_unreserved_in_order() {
        let mut left = Resources::parse("cpus:2;cpus(ads):1;mem:100").unwrap();
        let names = vec!["cpus".to_string(), "mem".to_string()];
        let mut need = vec![2500, 50_000];
        let part = take_part(&mut left, &names, &mut need);
        assert_eq!(
            part,
            Resources::parse("cpus:2;cpus(ads):0.5;mem:50").unwrap()
        );
        assert_eq!(left, Resources::parse("cpus(ads):0.5;mem:50").unwrap());
        assert_eq!(need, [0, 0]);
    }
}
