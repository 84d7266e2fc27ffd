//! A guest that exercises the parts of Rust's standard library every program leans on:
//! the allocator (`Vec`, `String`, `HashMap`), formatting, `std::env`, `Instant` and
//! reading standard input to its end. It prints one line per check and exits with 7.

use std::collections::HashMap;
use std::io::Read;
use std::time::Instant;

fn main() {
    let start = Instant::now();

    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("args: {args:?}");

    let greeting = std::env::var("GREETING").unwrap_or_else(|_| String::from("(unset)"));
    println!("GREETING={greeting}");

    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .expect("reading standard input");
    println!("words: {}", word_counts(first_line(&input)));
    println!(
        "stdin: {} bytes, fnv1a64 {:016x}",
        input.len(),
        fnv1a64(&input)
    );

    println!("format: {:#x} {:.3} {:?}", 42, 2.0f64.sqrt(), [1, 2, 3]);

    let later = Instant::now();
    println!(
        "instant: {}",
        if later >= start { "ok" } else { "went back" }
    );

    std::process::exit(7);
}

fn first_line(input: &[u8]) -> &[u8] {
    input
        .split(|&byte| byte == b'\n')
        .next()
        .unwrap_or_default()
}

/// Counts the words of `line` and lists them most frequent first, ties in word order.
fn word_counts(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_default() += 1;
    }

    let mut sorted: Vec<(&str, usize)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let listed: Vec<String> = sorted
        .iter()
        .map(|(word, count)| format!("{word}={count}"))
        .collect();
    listed.join(" ")
}

/// 64-bit FNV-1a, which the test recomputes over the bytes it sent.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
