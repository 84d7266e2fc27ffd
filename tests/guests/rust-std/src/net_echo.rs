//! An echo server for the network tests: `net-echo tcp PORT COUNT` listens on
//! `0.0.0.0:PORT`, serves `COUNT` connections at once, each on a thread of its own, echoing
//! every byte until the client closes, then exits 0; `net-echo udp PORT` sends datagrams
//! back to where they came from until one says `quit`. Both print `listening` when a client
//! can start, and what they served at the end.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream, UdpSocket};
use std::thread;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [protocol, port, count] if protocol == "tcp" => serve_tcp(
            port.parse().expect("PORT is a number"),
            count.parse().expect("COUNT is a number"),
        ),
        [protocol, port] if protocol == "udp" => serve_udp(port.parse().expect("PORT is a number")),
        _ => {
            eprintln!("usage: net-echo tcp PORT COUNT | net-echo udp PORT");
            std::process::exit(2);
        }
    }
}

fn serve_tcp(port: u16, count: usize) {
    let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).expect("binding");
    println!("listening");

    let connections: Vec<_> = (0..count)
        .map(|_| {
            let (stream, _) = listener.accept().expect("accepting");
            thread::spawn(move || echo(stream))
        })
        .collect();
    let bytes: usize = connections
        .into_iter()
        .map(|connection| connection.join().expect("echo thread"))
        .sum();
    println!("served {count} connections, {bytes} bytes");
}

/// Echoes what `stream` brings until its end; returns how many bytes that was.
fn echo(mut stream: TcpStream) -> usize {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let count = stream.read(&mut buffer).expect("reading");
        if count == 0 {
            return total;
        }
        stream.write_all(&buffer[..count]).expect("writing");
        total += count;
    }
}

fn serve_udp(port: u16) {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)).expect("binding");
    println!("listening");

    let mut buffer = [0u8; 2048];
    let (mut count, mut bytes) = (0, 0);
    loop {
        let (length, sender) = socket.recv_from(&mut buffer).expect("receiving");
        if &buffer[..length] == b"quit" {
            break;
        }
        socket.send_to(&buffer[..length], sender).expect("sending");
        count += 1;
        bytes += length;
    }
    println!("echoed {count} datagrams, {bytes} bytes");
}
