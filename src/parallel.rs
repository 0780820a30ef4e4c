//! Work spread over threads: the few large pieces of a render (one per
//! environment), and the thousands of small file reads and writes of a
//! build or diff.

use std::thread::ScopedJoinHandle;

/// `f` applied to every item, in order, on up to one thread per core.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    // Below a few hundred files a thread costs more than it saves.
    if threads < 2 || items.len() < 256 {
        return items.iter().map(&f).collect();
    }
    let chunks: Vec<&[T]> = items.chunks(items.len().div_ceil(threads)).collect();
    each(&chunks, |part| part.iter().map(&f).collect::<Vec<R>>())
        .into_iter()
        .flatten()
        .collect()
}

/// `f` applied to every item, each on a thread of its own, results in order.
pub fn each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    std::thread::scope(|scope| {
        let workers: Vec<_> = items.iter().map(|item| scope.spawn(|| f(item))).collect();
        workers.into_iter().map(join).collect()
    })
}

/// Like `each`, with every item moved to its thread, which also frees it:
/// freeing a large parse tree costs as much as a good part of building it.
pub fn each_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .into_iter()
            .map(|item| scope.spawn(move || f(item)))
            .collect();
        workers.into_iter().map(join).collect()
    })
}

/// `a` on this thread and `b` on another, at the same time.
pub fn both<A, B: Send>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let first = a();
        (first, join(other))
    })
}

/// A worker's result; a worker's panic goes on in the caller.
fn join<R>(worker: ScopedJoinHandle<'_, R>) -> R {
    worker
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled: Vec<u32> = items.iter().map(|n| n * 2).collect();
        assert_eq!(super::map(&items, |n| n * 2), doubled);
        assert_eq!(super::each(&items[..8], |n| n * 2), doubled[..8]);
        assert_eq!(
            super::each_owned(items[..8].to_vec(), |n| n * 2),
            doubled[..8]
        );
        assert_eq!(super::both(|| 1, || 2), (1, 2));
    }
}
