//! The greedy cover and its incremental update.
//!
//! The cover takes the windows of every pattern of the model in order of
//! score (covered cells minus 0.01 times the total gap, ties broken by
//! pattern order and then first row) and accepts a window when none of its
//! rows is taken yet. Each data row belongs to at most one window.
//!
//! Testing a candidate pattern must not recompute the whole cover. Adding
//! windows only changes the cover through a cascade: an accepted new window
//! evicts the lower-priority windows owning its rows, which frees their
//! other rows, which may let other lower-priority windows in, and so on.
//! [`Cover::evaluate`] follows that cascade in priority order from the
//! changed windows only, recording the changes in an overlay
//! ([`CoverChange`]) so that many candidates can be evaluated in parallel
//! against the same cover. The result equals a full greedy recomputation
//! because a window's fate depends only on windows of higher priority, and
//! those are decided before it is looked at.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::bn::counting::{KeyMap, KeySet};

use crate::windows::{gap, Windows};

/// A window of the cover: `(slot << 32) | index`.
pub type WindowRef = u64;

/// The owner of a row that no window covers.
pub const NO_OWNER: WindowRef = u64::MAX;

fn window_ref(slot: u32, index: u32) -> WindowRef {
    (u64::from(slot) << 32) | u64::from(index)
}

fn split_ref(r: WindowRef) -> (u32, u32) {
    ((r >> 32) as u32, r as u32)
}

/// Priority of a window: smaller is accepted first.
type Priority = (i64, u32, u32);

/// The windows of one pattern with their cover state.
#[derive(Debug, Clone)]
pub struct PatternWindows {
    /// Pattern order: a smaller id wins ties.
    pub order: u32,
    /// FIX plus USE cells of the pattern.
    pub covered_cells: u32,
    pub windows: Windows,
    pub accepted: Vec<bool>,
    /// Score part of each window's priority, `gap - 100 * covered cells`.
    scores: Vec<i64>,
}

impl PatternWindows {
    /// Wraps the windows of a pattern, none accepted yet.
    pub fn new(order: u32, covered_cells: usize, windows: Windows) -> PatternWindows {
        let accepted = vec![false; windows.len()];
        let cells = covered_cells as i64;
        let scores = windows
            .iter()
            .map(|rows| gap(rows) as i64 - 100 * cells)
            .collect();
        PatternWindows {
            order,
            covered_cells: covered_cells as u32,
            windows,
            accepted,
            scores,
        }
    }

    fn priority(&self, w: u32) -> Priority {
        let first = self.windows.rows[w as usize * self.windows.k];
        (self.scores[w as usize], self.order, first)
    }

    /// Returns the number of accepted windows.
    pub fn usage(&self) -> usize {
        self.accepted.iter().filter(|&&a| a).count()
    }
}

/// The cover of a model: every pattern's windows and the owner of each row.
#[derive(Debug, Clone)]
pub struct Cover {
    slots: Vec<Option<PatternWindows>>,
    owner: Vec<WindowRef>,
    row_windows: Vec<Vec<WindowRef>>,
}

/// The changes a cascade makes to a cover, not yet applied.
#[derive(Debug, Clone, Default)]
pub struct CoverChange {
    /// New owner of each row whose owner changed.
    pub(crate) owner: KeyMap<u32, WindowRef>,
    /// New acceptance state of each window whose state changed.
    pub(crate) accepted: KeyMap<WindowRef, bool>,
    /// Slots removed by this change.
    pub removed: Vec<u32>,
    /// The slot and windows added by this change.
    pub added: Option<(u32, PatternWindows)>,
}

impl CoverChange {
    /// Returns the slots whose accepted windows changed, sorted.
    pub fn touched_slots(&self) -> Vec<u32> {
        let mut slots: Vec<u32> = self.accepted.keys().map(|&r| split_ref(r).0).collect();
        slots.sort_unstable();
        slots.dedup();
        slots
    }

    /// Returns the rows that become covered and those that become
    /// uncovered, given the cover the change applies to.
    pub fn row_changes(&self, cover: &Cover) -> (Vec<u32>, Vec<u32>) {
        let mut covered = Vec::new();
        let mut uncovered = Vec::new();
        for (&row, &new_owner) in &self.owner {
            let old_owner = cover.owner[row as usize];
            match (old_owner == NO_OWNER, new_owner == NO_OWNER) {
                (true, false) => covered.push(row),
                (false, true) => uncovered.push(row),
                _ => {}
            }
        }
        covered.sort_unstable();
        uncovered.sort_unstable();
        (covered, uncovered)
    }
}

impl Cover {
    /// Returns the cover of a model with no pattern over `rows` data rows.
    pub fn empty(rows: usize) -> Cover {
        Cover {
            slots: Vec::new(),
            owner: vec![NO_OWNER; rows],
            row_windows: vec![Vec::new(); rows],
        }
    }

    /// Returns the slot a newly added pattern would get.
    pub fn next_slot(&self) -> u32 {
        self.slots.len() as u32
    }

    /// Returns the windows of a slot, if the slot contains a pattern.
    pub fn slot(&self, slot: u32) -> Option<&PatternWindows> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// Returns the window owning each row, [`NO_OWNER`] for uncovered rows.
    pub fn owners(&self) -> &[WindowRef] {
        &self.owner
    }

    /// Returns the rows no window covers.
    pub fn uncovered_rows(&self) -> impl Iterator<Item = u32> + '_ {
        self.owner
            .iter()
            .enumerate()
            .filter(|(_, &o)| o == NO_OWNER)
            .map(|(r, _)| r as u32)
    }

    /// Returns the accepted windows of a slot as they would be after
    /// `change`, as indices into the slot's windows.
    pub fn accepted_after(&self, slot: u32, change: &CoverChange) -> Vec<u32> {
        let windows = match &change.added {
            Some((s, added)) if *s == slot => added,
            _ => match self.slot(slot) {
                Some(w) if !change.removed.contains(&slot) => w,
                _ => return Vec::new(),
            },
        };
        (0..windows.windows.len() as u32)
            .filter(|&w| {
                let r = window_ref(slot, w);
                change
                    .accepted
                    .get(&r)
                    .copied()
                    .unwrap_or(windows.accepted[w as usize])
            })
            .collect()
    }

    /// Returns the windows of a slot as they would be after `change`.
    pub fn windows_after<'a>(
        &'a self,
        slot: u32,
        change: &'a CoverChange,
    ) -> Option<&'a PatternWindows> {
        match &change.added {
            Some((s, added)) if *s == slot => Some(added),
            _ => self.slot(slot),
        }
    }

    /// Follows the cascade of adding `added` (at slot [`Cover::next_slot`])
    /// and removing the patterns in `removed`, without changing the cover.
    pub fn evaluate(&self, added: Option<PatternWindows>, removed: &[u32]) -> CoverChange {
        let mut cascade = Cascade {
            cover: self,
            added_slot: self.next_slot(),
            added: added.as_ref(),
            removed,
            change: CoverChange::default(),
            queue: BinaryHeap::new(),
            queued: KeySet::default(),
            added_order: Vec::new(),
            added_position: 0,
        };
        cascade.seed_removals();
        if let Some(added) = &added {
            // The new windows are visited from a sorted list merged with
            // the queue, which is cheaper than pushing them all on the heap.
            let slot = cascade.added_slot;
            cascade.added_order = (0..added.windows.len() as u32)
                .map(|w| (added.priority(w), window_ref(slot, w)))
                .collect();
            cascade.added_order.sort_unstable();
        }
        cascade.run();
        let mut change = cascade.change;
        change.removed = removed.to_vec();
        change.added = added.map(|a| (self.next_slot(), a));
        change
    }

    /// Applies a change computed by [`Cover::evaluate`] on this cover.
    pub fn apply(&mut self, change: CoverChange) {
        for &slot in &change.removed {
            if let Some(windows) = self.slots[slot as usize].take() {
                for w in 0..windows.windows.len() as u32 {
                    let r = window_ref(slot, w);
                    for &row in windows.windows.get(w as usize) {
                        self.row_windows[row as usize].retain(|&x| x != r);
                    }
                }
            }
        }
        if let Some((slot, windows)) = change.added {
            debug_assert_eq!(slot as usize, self.slots.len());
            for w in 0..windows.windows.len() as u32 {
                for &row in windows.windows.get(w as usize) {
                    self.row_windows[row as usize].push(window_ref(slot, w));
                }
            }
            self.slots.push(Some(windows));
        }
        for (r, state) in change.accepted {
            let (slot, w) = split_ref(r);
            if let Some(Some(windows)) = self.slots.get_mut(slot as usize) {
                windows.accepted[w as usize] = state;
            }
        }
        for (row, owner) in change.owner {
            self.owner[row as usize] = owner;
        }
    }
}

struct Cascade<'a> {
    cover: &'a Cover,
    added_slot: u32,
    added: Option<&'a PatternWindows>,
    removed: &'a [u32],
    change: CoverChange,
    queue: BinaryHeap<Reverse<(Priority, WindowRef)>>,
    queued: KeySet<WindowRef>,
    /// The added windows in priority order, and the next one to visit.
    added_order: Vec<(Priority, WindowRef)>,
    added_position: usize,
}

impl Cascade<'_> {
    fn windows_of(&self, slot: u32) -> Option<&PatternWindows> {
        if slot == self.added_slot {
            return self.added;
        }
        if self.removed.contains(&slot) {
            return None;
        }
        self.cover.slot(slot)
    }

    fn priority(&self, r: WindowRef) -> Option<Priority> {
        let (slot, w) = split_ref(r);
        self.windows_of(slot).map(|p| p.priority(w))
    }

    fn rows(&self, r: WindowRef) -> &[u32] {
        let (slot, w) = split_ref(r);
        match self.windows_of(slot) {
            Some(p) => p.windows.get(w as usize),
            None => &[],
        }
    }

    fn is_accepted(&self, r: WindowRef) -> bool {
        if let Some(&state) = self.change.accepted.get(&r) {
            return state;
        }
        let (slot, w) = split_ref(r);
        match self.windows_of(slot) {
            Some(p) if slot != self.added_slot => p.accepted[w as usize],
            _ => false,
        }
    }

    fn owner(&self, row: u32) -> WindowRef {
        self.change
            .owner
            .get(&row)
            .copied()
            .unwrap_or(self.cover.owner[row as usize])
    }

    fn push(&mut self, r: WindowRef) {
        if let Some(priority) = self.priority(r) {
            if self.queued.insert(r) {
                self.queue.push(Reverse((priority, r)));
            }
        }
    }

    /// Frees the rows of every accepted window of the removed patterns and
    /// queues the windows that may take them.
    fn seed_removals(&mut self) {
        for &slot in self.removed {
            let Some(windows) = self.cover.slot(slot) else {
                continue;
            };
            for w in 0..windows.windows.len() as u32 {
                if !windows.accepted[w as usize] {
                    continue;
                }
                let r = window_ref(slot, w);
                self.change.accepted.insert(r, false);
                for &row in windows.windows.get(w as usize) {
                    self.change.owner.insert(row, NO_OWNER);
                    self.queue_row_windows(row, None);
                }
            }
        }
    }

    /// Queues the windows containing `row` with a priority below `above`.
    fn queue_row_windows(&mut self, row: u32, above: Option<(Priority, WindowRef)>) {
        for i in 0..self.cover.row_windows[row as usize].len() {
            let other = self.cover.row_windows[row as usize][i];
            let lower = match (above, self.priority(other)) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(a), Some(p)) => (p, other) > a,
            };
            if lower && !self.stays_rejected(other) {
                self.push(other);
            }
        }
    }

    /// Returns whether a rejected window is blocked by an accepted window of
    /// higher priority. Such a window need not be queued: if that blocker
    /// is evicted later in the cascade, its freed rows queue the window
    /// again.
    fn stays_rejected(&self, r: WindowRef) -> bool {
        match self.priority(r) {
            Some(priority) => !self.is_accepted(r) && self.is_blocked(r, priority),
            None => true,
        }
    }

    /// Returns whether a row of the window is owned by another window of higher
    /// priority.
    fn is_blocked(&self, r: WindowRef, priority: Priority) -> bool {
        self.rows(r).iter().any(|&row| {
            let owner = self.owner(row);
            owner != NO_OWNER
                && owner != r
                && self
                    .priority(owner)
                    .is_some_and(|p| (p, owner) < (priority, r))
        })
    }

    /// Returns the window of highest priority among the queue and the
    /// added windows not visited yet.
    fn next_window(&mut self) -> Option<(Priority, WindowRef)> {
        let queued = self.queue.peek().map(|Reverse(x)| *x);
        let added = self.added_order.get(self.added_position).copied();
        match (queued, added) {
            (Some(q), Some(a)) if a < q => {
                self.added_position += 1;
                Some(a)
            }
            (Some(_), _) => self.queue.pop().map(|Reverse(x)| x),
            (None, Some(a)) => {
                self.added_position += 1;
                Some(a)
            }
            (None, None) => None,
        }
    }

    fn run(&mut self) {
        let mut rows: Vec<u32> = Vec::new();
        while let Some((priority, r)) = self.next_window() {
            rows.clear();
            rows.extend_from_slice(self.rows(r));
            let blocked = self.is_blocked(r, priority);
            let accepted = self.is_accepted(r);
            if blocked && accepted {
                self.reject(r, &rows, priority);
            } else if !blocked && !accepted {
                self.accept(r, &rows, priority);
            }
        }
    }

    fn reject(&mut self, r: WindowRef, rows: &[u32], priority: Priority) {
        self.set_accepted(r, false);
        for &row in rows {
            if self.owner(row) == r {
                self.change.owner.insert(row, NO_OWNER);
                self.queue_row_windows(row, Some((priority, r)));
            }
        }
    }

    /// Accepts a window: it takes its rows first, then the windows it
    /// evicts give up their other rows, so that the windows queued for
    /// those rows already see the new owner.
    fn accept(&mut self, r: WindowRef, rows: &[u32], priority: Priority) {
        let mut evicted: Vec<WindowRef> = Vec::new();
        for &row in rows {
            let owner = self.owner(row);
            if owner != NO_OWNER && owner != r && !evicted.contains(&owner) {
                evicted.push(owner);
            }
            self.change.owner.insert(row, r);
        }
        self.set_accepted(r, true);
        for window in evicted {
            self.set_accepted(window, false);
            let freed: Vec<u32> = self.rows(window).to_vec();
            for row in freed {
                if self.owner(row) == window {
                    self.change.owner.insert(row, NO_OWNER);
                    self.queue_row_windows(row, Some((priority, r)));
                }
            }
        }
    }

    fn set_accepted(&mut self, r: WindowRef, state: bool) {
        let (slot, w) = split_ref(r);
        let base = match self.windows_of(slot) {
            Some(p) if slot != self.added_slot => p.accepted[w as usize],
            _ => false,
        };
        if base == state {
            self.change.accepted.remove(&r);
            if slot == self.added_slot && state {
                self.change.accepted.insert(r, true);
            }
        } else {
            self.change.accepted.insert(r, state);
        }
    }
}

/// Computes the greedy cover from scratch, for tests of the incremental
/// update: returns the owner of each row.
pub fn greedy_owners(rows: usize, patterns: &[(u32, &PatternWindows)]) -> Vec<WindowRef> {
    let mut all: Vec<(Priority, WindowRef)> = Vec::new();
    for &(slot, p) in patterns {
        for w in 0..p.windows.len() as u32 {
            all.push((p.priority(w), window_ref(slot, w)));
        }
    }
    all.sort_unstable();
    let mut owner = vec![NO_OWNER; rows];
    for (_, r) in all {
        let (slot, w) = split_ref(r);
        let Some(&(_, p)) = patterns.iter().find(|(s, _)| *s == slot) else {
            continue;
        };
        let window = p.windows.get(w as usize);
        if window.iter().all(|&row| owner[row as usize] == NO_OWNER) {
            for &row in window {
                owner[row as usize] = r;
            }
        }
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn windows(k: usize, rows: Vec<u32>) -> Windows {
        Windows { k, rows }
    }

    #[test]
    fn higher_score_evicts_lower() {
        // Pattern A (1 cell): windows [0], [1]. Pattern B (2 cells): [1, 2].
        let mut cover = Cover::empty(4);
        let a = PatternWindows::new(0, 1, windows(1, vec![0, 1]));
        let change = cover.evaluate(Some(a), &[]);
        cover.apply(change);
        assert_eq!(cover.slot(0).unwrap().usage(), 2);

        let b = PatternWindows::new(1, 2, windows(2, vec![1, 2]));
        let change = cover.evaluate(Some(b), &[]);
        let (covered, uncovered) = change.row_changes(&cover);
        assert_eq!(covered, vec![2]);
        assert!(uncovered.is_empty());
        cover.apply(change);
        assert_eq!(cover.slot(0).unwrap().accepted, vec![true, false]);
        assert_eq!(cover.slot(1).unwrap().accepted, vec![true]);

        // Removing B gives row 1 back to A.
        let change = cover.evaluate(None, &[1]);
        cover.apply(change);
        assert_eq!(cover.slot(0).unwrap().accepted, vec![true, true]);
        assert_eq!(cover.uncovered_rows().collect::<Vec<_>>(), vec![2, 3]);
    }

    proptest! {
        #[test]
        fn incremental_matches_full_greedy(
            specs in proptest::collection::vec(
                (1usize..4, 1usize..4, proptest::collection::vec(0u32..12, 1..12)),
                1..6
            )
        ) {
            let n = 16usize;
            let mut cover = Cover::empty(n);
            let mut all: Vec<PatternWindows> = Vec::new();
            for (order, (k, cells, starts)) in specs.into_iter().enumerate() {
                let mut rows = Vec::new();
                for s in starts {
                    // Windows of k increasing rows with a gap of one.
                    if (s as usize) + 2 * (k - 1) < n {
                        for j in 0..k as u32 {
                            rows.push(s + 2 * j);
                        }
                    }
                }
                let p = PatternWindows::new(order as u32, cells, windows(k, rows));
                all.push(p.clone());
                let change = cover.evaluate(Some(p), &[]);
                cover.apply(change);
                let current: Vec<(u32, &PatternWindows)> = (0..all.len() as u32)
                    .map(|s| (s, cover.slot(s).unwrap()))
                    .collect();
                prop_assert_eq!(cover.owners().to_vec(), greedy_owners(n, &current));
            }
            // Remove the first pattern and compare again.
            let change = cover.evaluate(None, &[0]);
            cover.apply(change);
            let current: Vec<(u32, &PatternWindows)> = (1..all.len() as u32)
                .map(|s| (s, cover.slot(s).unwrap()))
                .collect();
            prop_assert_eq!(cover.owners().to_vec(), greedy_owners(n, &current));
        }
    }
}
