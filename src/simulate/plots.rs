//! SVG plots (plotters, SVG backend only): per policy its roles' dominant shares, its
//! utilization and its wait-time CDF over time; and overlays comparing the policies.

use super::report::write_file;
use super::{PolicyRun, SimulateError};
use plotters::prelude::*;
use std::path::Path;

/// One line of a plot.
struct Line {
    label: String,
    points: Vec<(f64, f64)>,
    color: usize,
}

struct Plot<'a> {
    title: String,
    x: &'a str,
    y: &'a str,
    lines: Vec<Line>,
}

/// Legend entries shown at most (a plot may have a line per role).
const LEGEND: usize = 12;

fn render(plot: &Plot<'_>) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let points = plot.lines.iter().flat_map(|l| l.points.iter());
        let (mut xmax, mut ymax) = (0.0f64, 0.0f64);
        for (x, y) in points {
            xmax = xmax.max(*x);
            ymax = ymax.max(*y);
        }
        let xmax = if xmax > 0.0 { xmax } else { 1.0 };
        let ymax = if ymax > 0.0 { ymax * 1.05 } else { 1.0 };
        let mut chart = ChartBuilder::on(&root)
            .caption(&plot.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..xmax, 0f64..ymax)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(plot.x)
            .y_desc(plot.y)
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, line) in plot.lines.iter().enumerate() {
            let color = Palette99::pick(line.color).to_rgba();
            let series = chart
                .draw_series(LineSeries::new(
                    line.points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?;
            if i < LEGEND {
                series.label(line.label.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Steps: a sampled value holds until the next sample.
fn steps(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (x, y) in points {
        if let Some(&(_, prev)) = out.last() {
            out.push((x, prev));
        }
        out.push((x, y));
    }
    out
}

fn shares(run: &PolicyRun, color_base: usize, label_policy: bool) -> Vec<Line> {
    let samples = &run.run.series.samples;
    run.run
        .roles
        .iter()
        .enumerate()
        .map(|(i, role)| Line {
            label: if label_policy {
                format!("{} {role}", run.policy.name)
            } else {
                role.clone()
            },
            points: steps(samples.iter().map(|s| (s.t, s.shares[i]))),
            color: color_base + i,
        })
        .collect()
}

fn utilization(run: &PolicyRun) -> Vec<Line> {
    let samples = &run.run.series.samples;
    run.run
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| Line {
            label: r.clone(),
            points: steps(samples.iter().map(|s| (s.t, s.utilization[i]))),
            color: i,
        })
        .collect()
}

fn waits(run: &PolicyRun, color: usize, label: &str) -> Line {
    let mut points = vec![(0.0, 0.0)];
    points.extend(steps(run.run.wait_cdf.iter().copied()));
    Line {
        label: label.to_string(),
        points,
        color,
    }
}

/// Writes the plots into `dir`; returns the file names.
pub fn write_plots(dir: &Path, runs: &[PolicyRun]) -> Result<Vec<String>, SimulateError> {
    let mut plots: Vec<(String, Plot<'_>)> = Vec::new();
    for r in runs {
        let stem = r.policy.file_stem();
        let name = &r.policy.name;
        plots.push((
            format!("shares-{stem}.svg"),
            Plot {
                title: format!("{name}: dominant share per role"),
                x: "time (s)",
                y: "dominant share",
                lines: shares(r, 0, false),
            },
        ));
        plots.push((
            format!("utilization-{stem}.svg"),
            Plot {
                title: format!("{name}: utilization"),
                x: "time (s)",
                y: "used / total",
                lines: utilization(r),
            },
        ));
        plots.push((
            format!("waits-{stem}.svg"),
            Plot {
                title: format!("{name}: task wait time CDF"),
                x: "wait (s)",
                y: "fraction of tasks",
                lines: vec![waits(r, 0, name)],
            },
        ));
    }
    let roles = runs.first().map_or(0, |r| r.run.roles.len());
    plots.push((
        "overlay-shares.svg".into(),
        Plot {
            title: "dominant share per role, all policies".into(),
            x: "time (s)",
            y: "dominant share",
            lines: runs
                .iter()
                .enumerate()
                .flat_map(|(p, r)| shares(r, p * roles, true))
                .collect(),
        },
    ));
    plots.push((
        "overlay-utilization.svg".into(),
        Plot {
            title: "utilization, all policies".into(),
            x: "time (s)",
            y: "used / total",
            lines: runs
                .iter()
                .enumerate()
                .flat_map(|(p, r)| {
                    let n = r.run.resources.len();
                    utilization(r).into_iter().map(move |mut l| {
                        l.label = format!("{} {}", r.policy.name, l.label);
                        l.color += p * n;
                        l
                    })
                })
                .collect(),
        },
    ));
    plots.push((
        "overlay-waits.svg".into(),
        Plot {
            title: "task wait time CDF, all policies".into(),
            x: "wait (s)",
            y: "fraction of tasks",
            lines: runs
                .iter()
                .enumerate()
                .map(|(p, r)| waits(r, p, &r.policy.name))
                .collect(),
        },
    ));
    let mut files = Vec::new();
    for (name, plot) in &plots {
        let path = dir.join(name);
        let svg = render(plot).map_err(|reason| SimulateError::Write {
            file: path.display().to_string(),
            reason,
        })?;
        write_file(&path, &svg)?;
        files.push(name.clone());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_hold_each_value_until_the_next_sample() {
        let s = steps([(0.0, 1.0), (2.0, 3.0)].into_iter());
        assert_eq!(s, [(0.0, 1.0), (2.0, 1.0), (2.0, 3.0)]);
    }

    #[test]
    fn a_plot_renders_as_svg_with_its_title_and_legend() {
        let plot = Plot {
            title: "t1tle".into(),
            x: "x",
            y: "y",
            lines: vec![Line {
                label: "role-a".into(),
                points: vec![(0.0, 0.0), (1.0, 0.5)],
                color: 0,
            }],
        };
        let svg = render(&plot).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("t1tle") && svg.contains("role-a"));
    }
}
