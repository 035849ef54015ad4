//! Items that finish out of order, handed back in order: the one reorder buffer, used where
//! blocks of the input come back from the threads that checked them and where rows come back
//! from the requests that sent them.

use std::collections::BTreeMap;

/// Items numbered from 0, taken in any order and given back in order. It holds only the
/// items that arrived before an earlier one, so it stays as small as the work in flight.
#[derive(Debug)]
pub struct Reorder<T> {
    next: u64,
    waiting: BTreeMap<u64, T>,
}

impl<T> Default for Reorder<T> {
    fn default() -> Self {
        Reorder {
            next: 0,
            waiting: BTreeMap::new(),
        }
    }
}

impl<T> Reorder<T> {
    /// The number of the item due next.
    pub fn next(&self) -> u64 {
        self.next
    }

    /// Counts the item due next as handed on (the caller used it as it came, without holding it).
    pub fn pass(&mut self) {
        self.next += 1;
    }

    /// Holds `item`, number `seq`, until its turn.
    pub fn hold(&mut self, seq: u64, item: T) {
        self.waiting.insert(seq, item);
    }

    /// The item due next, if it has arrived.
    pub fn pop(&mut self) -> Option<T> {
        let item = self.waiting.remove(&self.next)?;
        self.next += 1;
        Some(item)
    }

    /// Items held that cannot be handed on yet.
    pub fn held(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_back_in_order_whatever_order_they_arrive_in() {
        let mut reorder = Reorder::default();
        let mut out = Vec::new();
        for seq in [2u64, 0, 1, 5, 3, 4] {
            if seq == reorder.next() {
                out.push(seq);
                reorder.pass();
            } else {
                reorder.hold(seq, seq);
            }
            while let Some(item) = reorder.pop() {
                out.push(item);
            }
        }
        assert_eq!(out, [0, 1, 2, 3, 4, 5]);
        assert_eq!(reorder.held(), 0);
    }
}
