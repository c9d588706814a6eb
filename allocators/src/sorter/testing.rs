//! Test helpers: quantities from Mesos-style text and a sort collected into a vector.

use modkit_ffi::sdk::{QuantityBuf, Sorter};

/// `cpus:5;mem:5` as quantities (test input, so malformed text panics).
pub(crate) fn q(text: &'static str) -> QuantityBuf<'static> {
    let pairs = text.split(';').filter(|s| !s.is_empty()).map(|item| {
        let (name, value) = item.split_once(':').expect("name:value");
        (name, value.parse::<f64>().expect("a number"))
    });
    QuantityBuf::from_pairs(pairs).expect("finite quantities")
}

/// The sort order as owned strings.
pub(crate) fn order(sorter: &mut dyn Sorter) -> Vec<String> {
    let mut out = Vec::new();
    sorter
        .sort(&mut |c| {
            out.push(c.to_string());
            true
        })
        .expect("sort succeeds");
    out
}

/// Adds and activates each client.
pub(crate) fn add_active(sorter: &mut dyn Sorter, clients: &[&str]) {
    for c in clients {
        sorter.add_client(c).expect("add");
        sorter.activate(c).expect("activate");
    }
}
