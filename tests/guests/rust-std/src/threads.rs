//! Threads under Pith: eight workers share a `Mutex`, a `Condvar`, an `mpsc` channel and
//! an atomic; a 50 ms sleep is measured with `Instant`; a panicking thread is joined.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const WORKERS: u64 = 8;
const ROUNDS: u64 = 1000;

fn main() {
    let total = Arc::new(Mutex::new(0u64));
    let atomic = Arc::new(AtomicU64::new(0));
    let finished = Arc::new((Mutex::new(0u64), Condvar::new()));
    let (sender, receiver) = mpsc::channel();

    let workers: Vec<_> = (0..WORKERS)
        .map(|id| {
            let (total, atomic) = (total.clone(), atomic.clone());
            let (finished, sender) = (finished.clone(), sender.clone());
            thread::spawn(move || {
                for round in 0..ROUNDS {
                    *total.lock().unwrap() += round;
                    atomic.fetch_add(1, Ordering::SeqCst);
                }
                sender.send(id).unwrap();
                let (count, condvar) = &*finished;
                *count.lock().unwrap() += 1;
                condvar.notify_all();
            })
        })
        .collect();
    drop(sender);

    let mut ids: Vec<u64> = receiver.iter().collect();
    ids.sort();
    let (count, condvar) = &*finished;
    let done = *condvar
        .wait_while(count.lock().unwrap(), |done| *done < WORKERS)
        .unwrap();
    for worker in workers {
        worker.join().unwrap();
    }
    println!("total={}", *total.lock().unwrap());
    println!("atomic={}", atomic.load(Ordering::SeqCst));
    println!("ids={ids:?}");
    println!("finished={done}");

    let start = Instant::now();
    thread::sleep(Duration::from_millis(50));
    let slept = start.elapsed();
    println!(
        "slept at least 50 ms: {}",
        slept >= Duration::from_millis(50)
    );
    println!("slept less than 5 s: {}", slept < Duration::from_secs(5));

    let joined = thread::spawn(|| panic!("this thread panics on purpose")).join();
    println!("panicking thread joined with an error: {}", joined.is_err());
}
