//! The last subtraction from a shared copy of an agent's resources. Agents of one shape that
//! start with the same tasks in use are left with equal remainders: they then share one copy,
//! made and tested for containment once, instead of one clone and range subtraction each.

use modkit_ffi::resources::Resources;
use std::sync::Arc;

/// (from, what, from less what), all shared copies; holding them keeps their addresses from
/// being reused, so matching by address is sound.
#[derive(Debug, Default)]
pub(super) struct LastRemainder(Option<(Arc<Resources>, Arc<Resources>, Arc<Resources>)>);

impl LastRemainder {
    fn matches(&self, from: &Arc<Resources>, what: &Arc<Resources>) -> Option<&Arc<Resources>> {
        match &self.0 {
            Some((f, w, left)) if Arc::ptr_eq(f, from) && Arc::ptr_eq(w, what) => Some(left),
            _ => None,
        }
    }

    /// Whether `from` holds `what`. Known without a test when the last subtraction was of
    /// these very copies (it was made only once the caller had checked this).
    pub(super) fn holds(&self, from: &Arc<Resources>, what: &Arc<Resources>) -> bool {
        self.matches(from, what).is_some() || from.contains(what)
    }

    /// Takes `what` (which `from` holds) out of `from`: in place when `from` is not shared,
    /// else as a copy shared with the next identical subtraction.
    pub(super) fn subtract(&mut self, from: &mut Arc<Resources>, what: &Arc<Resources>) {
        if let Some(left) = self.matches(from, what) {
            *from = left.clone();
            return;
        }
        if Arc::strong_count(from) == 1 {
            *Arc::make_mut(from) -= &**what;
            return;
        }
        let left = Arc::new(&**from - &**what);
        self.0 = Some((from.clone(), what.clone(), left.clone()));
        *from = left;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Arc<Resources> {
        Arc::new(Resources::parse(text).expect("test resources"))
    }

    #[test]
    fn equal_subtractions_from_a_shared_copy_share_the_remainder() {
        let total = r("cpus:4;mem:100;ports:[1-10]");
        let used = r("cpus:1;ports:[3-3]");
        let mut last = LastRemainder::default();
        let (mut a, mut b) = (total.clone(), total.clone());
        assert!(last.holds(&a, &used));
        last.subtract(&mut a, &used);
        last.subtract(&mut b, &used);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(*a, *r("cpus:3;mem:100;ports:[1-2,4-10]"));
        // The shared total is untouched.
        assert_eq!(*total, *r("cpus:4;mem:100;ports:[1-10]"));
        // An equal but different copy is tested and subtracted afresh.
        let other_used = r("cpus:1;ports:[3-3]");
        let mut c = total.clone();
        last.subtract(&mut c, &other_used);
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(*a, *c);
        assert!(!last.holds(&c, &r("cpus:5")));
    }

    #[test]
    fn a_copy_of_its_own_is_changed_in_place() {
        let mut last = LastRemainder::default();
        let mut own = r("cpus:4");
        let before = Arc::as_ptr(&own);
        last.subtract(&mut own, &r("cpus:1"));
        assert_eq!(Arc::as_ptr(&own), before);
        assert_eq!(*own, *r("cpus:3"));
        assert!(last.0.is_none());
    }
}
