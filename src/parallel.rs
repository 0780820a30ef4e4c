//! Work spread over the cores, on rayon's one pool: the render's
//! environment × service pieces, the resolve of each environment, the lock
//! read beside the render, and the thousands of small file reads, writes
//! and parses of a build, diff or check. Work stealing keeps every core
//! busy however uneven the pieces are. Results always come back in the
//! order of the items, and a worker's panic goes on in the caller.

use rayon::prelude::*;

/// Below this many items a split costs more than it saves.
const SMALL: usize = 64;

/// `f` applied to every item, results in order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() < SMALL {
        return items.iter().map(&f).collect();
    }
    items.par_iter().map(&f).collect()
}

/// `map`, with every item moved to its worker.
pub fn map_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    if items.len() < SMALL {
        return items.into_iter().map(&f).collect();
    }
    items.into_par_iter().map(&f).collect()
}

/// `f` applied to each of a few large items, each free to run on its own
/// core, results in order.
pub fn each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    items.par_iter().with_max_len(1).map(&f).collect()
}

/// Like `each`, with every item moved to its worker, which also frees it:
/// freeing a large parse tree costs as much as a good part of building it.
pub fn each_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    items.into_par_iter().with_max_len(1).map(&f).collect()
}

/// `a` and `b` at the same time.
pub fn both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    rayon::join(a, b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled: Vec<u32> = items.iter().map(|n| n * 2).collect();
        assert_eq!(super::map(&items, |n| n * 2), doubled);
        assert_eq!(super::each(&items[..8], |n| n * 2), doubled[..8]);
        assert_eq!(super::map_owned(items.clone(), |n| n * 2), doubled);
        assert_eq!(
            super::each_owned(items[..8].to_vec(), |n| n * 2),
            doubled[..8]
        );
        assert_eq!(super::both(|| 1, || 2), (1, 2));
    }

    #[test]
    fn a_panic_goes_on_in_the_caller() {
        let items: Vec<u32> = (0..1000).collect();
        let caught = std::panic::catch_unwind(|| {
            super::map(&items, |n| assert!(*n != 700, "worker {n}"));
        });
        let panic = caught.expect_err("the worker's panic");
        assert_eq!(panic.downcast_ref::<String>().unwrap(), "worker 700");
    }
}
